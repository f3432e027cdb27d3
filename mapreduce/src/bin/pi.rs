//! `pi MAPS SAMPLES`: estimates pi by quasi-Monte Carlo (Hadoop's
//! QuasiMonteCarlo): each map places SAMPLES points of a 2-D Halton
//! sequence in the unit square and counts those inside the circle.

use mapreduce::{FileSystem, Job, LongSumReducer, Mapper, Output};

/// The `index`-th element of the van der Corput sequence in `base`.
fn halton(mut index: u64, base: u64) -> f64 {
    let mut result = 0.0;
    let mut fraction = 1.0 / base as f64;
    while index > 0 {
        result += (index % base) as f64 * fraction;
        index /= base;
        fraction /= base as f64;
    }
    result
}

/// Control line `offset size` -> ("inside", n) and ("outside", m).
#[derive(Clone)]
struct QmcMapper;

impl Mapper for QmcMapper {
    type KeyIn = u64;
    type ValueIn = String;
    type KeyOut = String;
    type ValueOut = u64;

    fn map(&mut self, _offset: &u64, control: &String, output: &mut Output<'_, String, u64>) {
        let mut fields = control.split_whitespace().map(|field| field.parse::<u64>());
        let (Some(Ok(offset)), Some(Ok(size))) = (fields.next(), fields.next()) else {
            panic!("bad pi control line '{control}'");
        };
        let (mut inside, mut outside) = (0u64, 0u64);
        for index in offset + 1..=offset + size {
            let x = halton(index, 2) - 0.5;
            let y = halton(index, 3) - 0.5;
            if x * x + y * y > 0.25 {
                outside += 1;
            } else {
                inside += 1;
            }
        }
        output.emit(&"inside".to_string(), &inside);
        output.emit(&"outside".to_string(), &outside);
    }
}

fn fail(error: impl std::fmt::Display) -> ! {
    eprintln!("pi: {error}");
    std::process::exit(1);
}

fn main() {
    let (conf, args) = mapreduce::parse_command_line();
    let (Some(Ok(maps)), Some(Ok(samples))) = (
        args.first().map(|maps| maps.parse::<u64>()),
        args.get(1).map(|samples| samples.parse::<u64>()),
    ) else {
        eprintln!("Usage: pi [generic options] <nMaps> <nSamples>");
        std::process::exit(2);
    };
    println!("Number of Maps  = {maps}");
    println!("Samples per Map = {samples}");
    let fs = FileSystem::from_conf(&conf).unwrap_or_else(|error| fail(error));
    let base = fs
        .temp_dir(&conf, "QuasiMonteCarlo")
        .unwrap_or_else(|error| fail(error));
    let (input, output) = (format!("{base}/in"), format!("{base}/out"));
    // In a task on YARN the splits of the control files are already known.
    for map in (0..maps).filter(|_| !mapreduce::in_container()) {
        let line = format!("{} {samples}\n", map * samples);
        fs.write_file(&format!("{input}/part{map}"), line.as_bytes())
            .unwrap_or_else(|error| fail(error));
    }
    let job = Job::new("QuasiMonteCarlo")
        .mapper(QmcMapper)
        .reducer(LongSumReducer::default())
        .reduces(1)
        .input(&input)
        .output(&output);
    let result = mapreduce::submit(job, &conf);
    if result.is_ok() {
        let text = fs
            .read_file(&format!("{output}/part-r-00000"))
            .unwrap_or_else(|error| fail(error));
        let text = String::from_utf8_lossy(&text);
        let count = |name: &str| {
            text.lines()
                .find_map(|line| {
                    line.strip_prefix(name)?
                        .strip_prefix('\t')?
                        .parse::<u64>()
                        .ok()
                })
                .unwrap_or(0)
        };
        let (inside, outside) = (count("inside"), count("outside"));
        let estimate = 4.0 * inside as f64 / (inside + outside).max(1) as f64;
        println!("Estimated value of Pi is {estimate:.20}");
    }
    let _ = fs.delete(&base, true);
    mapreduce::runner::exit_with(&result)
}
