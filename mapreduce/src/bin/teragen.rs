//! `teragen ROWS OUT`: writes ROWS rows of 100 bytes (`-D
//! mapreduce.job.maps=N` map tasks, default 2): a 10-byte printable key,
//! the row id in hex and filler, one row per line so GNU sort can sort the
//! same file.

use common::conf::keys;
use mapreduce::{FileSystem, Job, Mapper, Output};

/// One control line per map: `first_row row_count`.
#[derive(Clone, Default)]
struct RowMapper {
    row: Vec<u8>,
}

/// splitmix64: a well-mixed 64-bit value for each input.
fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// Row `index`: 99 bytes and a newline.
fn make_row(index: u64, row: &mut Vec<u8>) {
    row.clear();
    let mut random = mix(index);
    for position in 0..10 {
        if position == 5 {
            random = mix(random ^ index);
        }
        row.push(b'!' + (random % 94) as u8);
        random /= 94;
    }
    row.extend_from_slice(format!("  {index:032X}  ").as_bytes());
    let filler = b'A' + (index % 26) as u8;
    row.resize(99, filler);
}

impl Mapper for RowMapper {
    type KeyIn = u64;
    type ValueIn = String;
    type KeyOut = Vec<u8>;
    type ValueOut = ();

    fn map(&mut self, _offset: &u64, control: &String, output: &mut Output<'_, Vec<u8>, ()>) {
        let mut fields = control.split_whitespace().map(|field| field.parse::<u64>());
        let (Some(Ok(first)), Some(Ok(count))) = (fields.next(), fields.next()) else {
            panic!("bad teragen control line '{control}'");
        };
        for index in first..first + count {
            make_row(index, &mut self.row);
            output.emit(&self.row, &());
        }
        output.context().increment("TeraGen", "ROWS", count);
    }
}

fn main() {
    let (conf, args) = mapreduce::parse_command_line();
    let (Some(Ok(rows)), Some(output)) =
        (args.first().map(|rows| rows.parse::<u64>()), args.get(1))
    else {
        eprintln!("Usage: teragen [generic options] <num rows> <output dir>");
        std::process::exit(2);
    };
    let maps = conf
        .get_u64(keys::MAPREDUCE_JOB_MAPS)
        .unwrap_or_else(|error| {
            eprintln!("teragen: {error}");
            std::process::exit(2);
        })
        .clamp(1, rows.max(1));
    let fs = match FileSystem::from_conf(&conf) {
        Ok(fs) => fs,
        Err(error) => {
            eprintln!("teragen: {error}");
            std::process::exit(1);
        }
    };
    let control = match fs.temp_dir(&conf, "teragen-control") {
        Ok(control) => control,
        Err(error) => {
            eprintln!("teragen: {error}");
            std::process::exit(1);
        }
    };
    // In a task on YARN the splits of the control files are already known.
    for map in (0..maps).filter(|_| !mapreduce::in_container()) {
        let first = rows * map / maps;
        let count = rows * (map + 1) / maps - first;
        let line = format!("{first} {count}\n");
        if let Err(error) = fs.write_file(&format!("{control}/part-{map:05}"), line.as_bytes()) {
            eprintln!("teragen: {error}");
            std::process::exit(1);
        }
    }
    let job = Job::new("TeraGen")
        .mapper(RowMapper::default())
        .input(&control)
        .output(output)
        .reduces(0);
    let result = mapreduce::submit(job, &conf);
    let _ = fs.delete(&control, true);
    mapreduce::runner::exit_with(&result)
}
