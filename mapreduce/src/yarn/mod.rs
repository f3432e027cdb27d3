//! MapReduce on YARN (`mapreduce.framework.name=yarn`).
//!
//! One job binary plays every part. Run by a user it is the job client
//! ([`jobclient`]): it uploads itself, `job.xml` and `job.split` to the
//! staging dir and submits an ApplicationMaster. Started by a NodeManager
//! with [`ROLE_ENV`] set it is the MRAppMaster ([`appmaster`]) or a map or
//! reduce task ([`child`]), which reports to the AM over the
//! TaskUmbilicalProtocol and fetches map outputs from the NodeManagers'
//! shuffle service ([`shuffle_source`]).

pub(crate) mod appmaster;
mod child;
pub mod history;
pub mod historyserver;
pub mod jobclient;
mod jobpages;
mod shuffle_source;
pub mod staging;
mod umbilical;
pub(crate) mod wire;

use std::path::PathBuf;

use common::Configuration;

use crate::Error;

/// What this process is in a container: `appmaster`, `map` or `reduce`.
pub const ROLE_ENV: &str = "TUSK_MR_ROLE";
/// The task attempt a task container runs.
pub const ATTEMPT_ENV: &str = "TUSK_MR_ATTEMPT";
/// `host:port` of the AM's TaskUmbilicalProtocol, for tasks.
pub const UMBILICAL_ENV: &str = "TUSK_MR_UMBILICAL";
/// The AM attempt number, for the committer's paths.
pub const APP_ATTEMPT_ENV: &str = "TUSK_MR_APP_ATTEMPT";

/// The job binary, as localized into every container.
pub const JOB_BINARY: &str = "job.bin";
/// The job configuration, as localized into every container.
pub const JOB_CONF: &str = "job.xml";
/// The input splits, as localized into every container.
pub const JOB_SPLITS: &str = "job.split";

/// The client's command-line arguments, recorded in `job.xml` so a task's
/// `main` sees what the client's saw.
pub const JOB_ARGS_KEY: &str = "mapreduce.job.client.args";

/// The part a container plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    AppMaster,
    Task {
        attempt_id: String,
        umbilical: String,
    },
}

/// The role from the environment, when this process runs in a container.
pub(crate) fn container_role() -> Option<Role> {
    let role = std::env::var(ROLE_ENV).ok()?;
    if role == "appmaster" {
        return Some(Role::AppMaster);
    }
    Some(Role::Task {
        attempt_id: std::env::var(ATTEMPT_ENV).unwrap_or_default(),
        umbilical: std::env::var(UMBILICAL_ENV).unwrap_or_default(),
    })
}

/// Whether this process is a task or AM of a job on YARN (job code can
/// skip client-only work, such as sampling, with it).
pub fn in_container() -> bool {
    container_role().is_some()
}

/// A file shipped with the job ([`crate::Job::file`]), read from the
/// container's working directory; None outside a container.
pub fn job_file(name: &str) -> Option<Vec<u8>> {
    if !in_container() {
        return None;
    }
    std::fs::read(name).ok()
}

/// Whether this container runs the job named `name` (a binary may run
/// several jobs one after another).
pub(crate) fn runs_job(name: &str) -> bool {
    container_conf().is_ok_and(|(conf, _)| {
        conf.get(common::conf::keys::MAPREDUCE_JOB_NAME).as_deref() == Some(name)
    })
}

/// Plays this container's part in the job and exits.
pub(crate) fn run_in_container(spec: crate::job::JobSpec, role: Role) -> ! {
    let code = match role {
        Role::AppMaster => appmaster::run(),
        Role::Task {
            attempt_id,
            umbilical,
        } => child::run(spec, &attempt_id, &umbilical),
    };
    std::process::exit(code)
}

/// The job configuration and client arguments inside a container.
pub(crate) fn container_conf() -> Result<(Configuration, Vec<String>), Error> {
    let mut conf = Configuration::new();
    conf.add_resource(&PathBuf::from(JOB_CONF))?;
    let args = conf
        .get(JOB_ARGS_KEY)
        .map(|json| serde_json::from_str::<Vec<String>>(&json))
        .transpose()
        .map_err(|error| Error::Config(format!("{JOB_ARGS_KEY}: {error}")))?
        .unwrap_or_default();
    Ok((conf, args))
}

/// The committer of the job's output directory (`job.xml`'s) for AM attempt `app_attempt`.
pub(crate) fn job_committer(
    conf: &Configuration,
    dfs: &crate::dfs_io::Dfs,
    app_attempt: u32,
) -> crate::output::FileOutputCommitter {
    let output = crate::dfs_io::absolute_path(
        &conf.get(crate::settings::OUTPUT_DIR).unwrap_or_default(),
        dfs.user(),
    );
    crate::output::FileOutputCommitter::new(&output, app_attempt)
}

/// Records `args` in `conf` for the containers.
pub(crate) fn record_args(conf: &mut Configuration, args: &[String]) {
    let json = serde_json::to_string(args).expect("strings serialize");
    conf.set(JOB_ARGS_KEY, json);
}

/// The job id YARN's application id gives (`application_1_0002` -> `job_1_0002`).
pub(crate) fn job_id_of(application: common::yarn::ApplicationId) -> String {
    format!(
        "job_{}_{:04}",
        application.cluster_timestamp, application.id
    )
}

/// The application id of a job id, if it has that form.
pub fn application_of(job_id: &str) -> Option<common::yarn::ApplicationId> {
    let rest = job_id.strip_prefix("job_")?;
    format!("application_{rest}").parse().ok()
}

/// `host` of a `host:port` node id.
pub(crate) fn host_of(node_id: &str) -> &str {
    node_id.rsplit_once(':').map_or(node_id, |(host, _)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_and_application_ids_correspond() {
        let application: common::yarn::ApplicationId =
            "application_1700000000000_0007".parse().unwrap();
        let job = job_id_of(application);
        assert_eq!(job, "job_1700000000000_0007");
        assert_eq!(application_of(&job), Some(application));
        assert_eq!(application_of("job_local12_0001"), None);
    }
}
