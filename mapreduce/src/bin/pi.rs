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

/// `4 * inside / total` with 20 decimals, rounded half up: exactly what
/// Hadoop's QuasiMonteCarlo prints (`BigDecimal.valueOf(4).setScale(20)
/// .multiply(numInside).divide(numTotal, HALF_UP)`), with no binary
/// floating point on the way.
fn estimate_pi(inside: u64, total: u128) -> String {
    const SCALE: u128 = 100_000_000_000_000_000_000; // 10^20
    let total = total.max(1);
    // Long division, a decimal at a time: the remainder stays below
    // `total`, so nothing overflows for any count of u64 maps and samples
    // short of 2^124 points in all.
    let four = 4 * u128::from(inside);
    let (mut whole, mut remainder) = (four / total, four % total);
    let mut fraction = 0u128;
    for _ in 0..20 {
        remainder *= 10;
        fraction = fraction * 10 + remainder / total;
        remainder %= total;
    }
    if remainder >= total - remainder {
        fraction += 1;
        if fraction == SCALE {
            fraction = 0;
            whole += 1;
        }
    }
    format!("{whole}.{fraction:020}")
}

/// A seconds value as Java's `Double.toString` shows it (`19.25`, `5.0`).
fn java_double(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.1}")
    } else {
        value.to_string()
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
        println!("Wrote input for Map #{map}");
    }
    let job = Job::new("QuasiMonteCarlo")
        .mapper(QmcMapper)
        .reducer(LongSumReducer::default())
        .reduces(1)
        .input(&input)
        .output(&output);
    if !mapreduce::in_container() {
        println!("Starting Job");
    }
    let started = std::time::Instant::now();
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
        println!(
            "Job Finished in {} seconds",
            java_double(started.elapsed().as_millis() as f64 / 1000.0)
        );
        let total = u128::from(maps) * u128::from(samples);
        println!(
            "Estimated value of Pi is {}",
            estimate_pi(count("inside"), total)
        );
    }
    let _ = fs.delete(&base, true);
    mapreduce::runner::exit_with(&result)
}

#[cfg(test)]
mod tests {
    use super::{estimate_pi, java_double};

    #[test]
    fn estimate_is_exact_decimal_with_20_places() {
        assert_eq!(estimate_pi(7853, 10_000), "3.14120000000000000000");
        // 78535 of 100000 points inside: no binary
        // floating point noise (the f64 printed 3.14139999999999997016).
        assert_eq!(estimate_pi(78_535, 100_000), "3.14140000000000000000");
        assert_eq!(estimate_pi(0, 7), "0.00000000000000000000");
        assert_eq!(estimate_pi(7, 7), "4.00000000000000000000");
    }

    #[test]
    fn estimate_rounds_half_up_at_the_20th_decimal() {
        // 4 * 2 / 3 = 2.666...: the 21st decimal is 6, rounded up.
        assert_eq!(estimate_pi(2, 3), "2.66666666666666666667");
        // 4 * 1 / 3 = 1.333...: rounded down.
        assert_eq!(estimate_pi(1, 3), "1.33333333333333333333");
        // 4 * 1 / (8 * 10^20) = 5 * 10^-21: exactly half, rounded up.
        assert_eq!(estimate_pi(1, 8 * 10u128.pow(20)), "0.00000000000000000001");
        // A hair under half: rounded down.
        assert_eq!(
            estimate_pi(1, 8 * 10u128.pow(20) + 1),
            "0.00000000000000000000"
        );
    }

    #[test]
    fn seconds_print_as_java_doubles() {
        assert_eq!(java_double(19.25), "19.25");
        assert_eq!(java_double(5.0), "5.0");
        assert_eq!(java_double(32.566), "32.566");
    }
}
