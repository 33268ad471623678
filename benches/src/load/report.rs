//! The load benchmark's output: one markdown table (paste it into BENCHMARKS.md as it is) with
//! notes under it, and the same figures as JSON.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use super::generator::Measurement;

/// One case: the ceiling and eisim at full speed, and eisim at half its rate.
#[derive(Debug)]
pub struct Case {
    pub name: &'static str,
    pub ceiling: Measurement,
    pub eisim: Measurement,
    /// Non-2xx answers and failed requests of the full-speed eisim run (for webhooks: refused
    /// triggers and deliveries that never came).
    pub eisim_errors: u64,
    /// The open-loop run at half the rate; none for the webhook burst, which has no rate to
    /// halve (everything is queued at once).
    pub half: Option<HalfRate>,
    pub notes: Vec<String>,
}

/// eisim at a fixed rate, half of what it reached at full speed, and the ceiling at that rate.
#[derive(Debug)]
pub struct HalfRate {
    pub rate: f64,
    pub eisim: Measurement,
    pub errors: u64,
    pub ceiling: Measurement,
}

#[derive(Debug)]
pub struct Report {
    pub duration: Duration,
    pub warmup: Duration,
    pub concurrency: usize,
    pub cases: Vec<Case>,
}

fn millis(m: &Measurement, quantile: f64) -> f64 {
    m.latency.value_at_quantile(quantile) as f64 / 1000.0
}

/// `12,345`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn share(eisim: &Measurement, ceiling: &Measurement) -> f64 {
    let ceiling = ceiling.rate();
    if ceiling > 0.0 {
        eisim.rate() / ceiling
    } else {
        0.0
    }
}

impl Report {
    /// The table and its notes, markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| Case | Server | Requests/s | p50 | p99 | p99.9 | Errors | Share of ceiling | p99 at half max (rate) |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
        for case in &self.cases {
            let c = &case.ceiling;
            let ceiling_name = if case.name.starts_with("webhook") {
                "receiver direct"
            } else {
                "hello-world"
            };
            let (ceiling_half, eisim_half) = match &case.half {
                Some(half) => (
                    format!("{:.2} ms (same rate)", millis(&half.ceiling, 0.99)),
                    format!(
                        "{:.2} ms ({}/s{})",
                        millis(&half.eisim, 0.99),
                        thousands(half.rate),
                        if half.errors > 0 {
                            format!(", {} errors", half.errors)
                        } else {
                            String::new()
                        },
                    ),
                ),
                None => ("– (one burst)".to_owned(), "– (one burst)".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {} | {ceiling_name} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {} | 100 % | {ceiling_half} |",
                case.name,
                thousands(c.rate()),
                millis(c, 0.5),
                millis(c, 0.99),
                millis(c, 0.999),
                c.errors(),
            );
            let e = &case.eisim;
            let _ = writeln!(
                out,
                "| {} | **eisim** | **{}** | {:.2} ms | {:.2} ms | {:.2} ms | {} | **{:.1} %** | {eisim_half} |",
                case.name,
                thousands(e.rate()),
                millis(e, 0.5),
                millis(e, 0.99),
                millis(e, 0.999),
                case.eisim_errors,
                100.0 * share(e, c),
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Concurrency {}, warm-up {:.1} s, window {:.1} s per run.",
            self.concurrency,
            self.warmup.as_secs_f64(),
            self.duration.as_secs_f64()
        );
        for case in &self.cases {
            for note in self.notes(case) {
                let _ = writeln!(out, "- {}: {note}", case.name);
            }
        }
        out
    }

    fn notes(&self, case: &Case) -> Vec<String> {
        let mut notes = Vec::new();
        for (run, m) in [("ceiling", &case.ceiling), ("eisim", &case.eisim)] {
            if m.ended_early {
                notes.push(format!(
                    "{run}: used up its prepared requests after {:.1} s of the window",
                    m.elapsed.as_secs_f64()
                ));
            }
            if m.errors() > 0 {
                notes.push(format!(
                    "{run}: {} errors, statuses {:?}, first: {}",
                    m.errors(),
                    m.statuses,
                    m.first_error.as_deref().unwrap_or("-")
                ));
            }
        }
        if let Some(half) = case.half.as_ref().filter(|h| h.eisim.errors() > 0) {
            notes.push(format!(
                "half rate: {} errors, statuses {:?}, first: {}",
                half.eisim.errors(),
                half.eisim.statuses,
                half.eisim.first_error.as_deref().unwrap_or("-")
            ));
        }
        notes.extend(case.notes.iter().cloned());
        notes
    }

    pub fn json(&self) -> Value {
        let figures = |m: &Measurement, errors: u64| {
            json!({
                "requests_per_second": m.rate(),
                "requests": m.requests(),
                "p50_ms": millis(m, 0.5),
                "p99_ms": millis(m, 0.99),
                "p999_ms": millis(m, 0.999),
                "max_ms": m.latency.max() as f64 / 1000.0,
                "errors": errors,
                "statuses": m.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "ended_early": m.ended_early,
            })
        };
        json!({
            "concurrency": self.concurrency,
            "warmup_s": self.warmup.as_secs_f64(),
            "window_s": self.duration.as_secs_f64(),
            "cases": self.cases.iter().map(|case| json!({
                "case": case.name,
                "ceiling": figures(&case.ceiling, case.ceiling.errors()),
                "eisim": figures(&case.eisim, case.eisim_errors),
                "share_of_ceiling": share(&case.eisim, &case.ceiling),
                "half_rate": case.half.as_ref().map(|half| json!({
                    "rate": half.rate,
                    "eisim": figures(&half.eisim, half.errors),
                    "ceiling": figures(&half.ceiling, half.ceiling.errors()),
                })),
                "notes": self.notes(case),
            })).collect::<Vec<_>>(),
        })
    }
}
