//! The reference integration's KSeF client against an in-process simulator: real
//! cryptography, the virtual clock, and the journal as the evidence of what the client sent.
//!
//! Tokio's clock is paused, so the client's waits between authentication polls cost no wall
//! time; while the client authenticates, the simulator's clock follows tokio's (see
//! [`authenticate`]), as it would follow real time against the real service.

use std::sync::Arc;
use std::time::Duration;

use eisim::journal::{JournalQuery, Record};
use eisim_suite::reference::ksef::{KsefClient, KsefError, invoice_hash};

use crate::ksef_numbers::is_ksef_number;

const NIP: &str = "5265877635";
const TOKEN: &str = "20261101-EC-1A2B3C4D5E-6F7A8B9C0D-00|nip-5265877635|7f3a9c";

fn scenario(extra: &str) -> String {
    format!(
        r#"
name: ksef-client
clock: {{ mode: virtual, start: 2026-11-02T09:00:00Z }}
seed: 5
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
participants:
  - {{ id: "KSEF:5265877635", network: ksef, tenant: acme }}
  - {{ id: "KSEF:5261040828", network: ksef }}
ksef:
  tokens:
    - {{ token: "{TOKEN}", context: "5265877635" }}
    - {{ token: "blocked-token", context: "5265877635", auth_status: 450 }}
{extra}
"#
    )
}

async fn simulator(extra: &str) -> Arc<eisim::Simulator> {
    let scenario = eisim::scenario::parse(&scenario(extra), "ksef-client.yaml").unwrap();
    let config = eisim::SimulatorConfig::new().scenario(scenario, "ksef-client.yaml");
    Arc::new(eisim::Simulator::start(config).await.unwrap())
}

fn client(sim: &eisim::Simulator, token: &str) -> KsefClient {
    let base = format!("{}/v2", sim.base_url());
    KsefClient::new(reqwest::Client::new(), &base, NIP, token)
}

/// A valid FA (3) invoice numbered `number` (its `P_2`), so two of them are not duplicates.
fn invoice(number: &str) -> Vec<u8> {
    let path = format!(
        "{}/../fixtures/ksef/fa3-minimal.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .replace("FV/2026/10/001", number)
        .into_bytes()
}

/// Runs `work` while the simulator's clock follows tokio's, a second at a time: the client's
/// waits between `GET /auth/{ref}` polls then move KSeF's time as real waits would.
async fn with_running_clock<T>(sim: &Arc<eisim::Simulator>, work: impl Future<Output = T>) -> T {
    let ticking = tokio::spawn({
        let sim = sim.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                sim.advance(Duration::from_secs(1)).unwrap();
            }
        }
    });
    let out = work.await;
    ticking.abort();
    out
}

async fn authenticate(sim: &Arc<eisim::Simulator>, client: &mut KsefClient) {
    with_running_clock(sim, client.authenticate())
        .await
        .unwrap();
}

fn step(sim: &eisim::Simulator, secs: u64) {
    sim.advance(Duration::from_secs(secs)).unwrap();
}

/// The KSeF requests the journal holds, as (method, path without the prefix, status).
fn exchanges(sim: &eisim::Simulator) -> Vec<(String, String, u16)> {
    sim.journal()
        .query(&JournalQuery::default())
        .into_iter()
        .filter_map(|entry| match entry.record {
            Record::Http(http) => Some((
                http.method,
                http.path.strip_prefix("/v2")?.to_owned(),
                http.status,
            )),
            _ => None,
        })
        .collect()
}

fn count(sim: &eisim::Simulator, method: &str, path: &str) -> usize {
    exchanges(sim)
        .iter()
        .filter(|(m, p, _)| m == method && p == path)
        .count()
}

/// The journal's session state changes, as (from, to).
fn session_changes(sim: &eisim::Simulator) -> Vec<(Option<String>, String)> {
    sim.journal()
        .query(&JournalQuery::default())
        .into_iter()
        .filter_map(|entry| match entry.record {
            Record::StateChange {
                subject, from, to, ..
            } if subject.starts_with("ksef session ") => Some((from, to)),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn one_session_carries_two_invoices_to_their_ksef_numbers() {
    let sim = simulator("").await;
    let mut client = client(&sim, TOKEN);
    authenticate(&sim, &mut client).await;
    let polls = exchanges(&sim)
        .iter()
        .filter(|(m, p, _)| m == "GET" && p.starts_with("/auth/2"))
        .count();
    assert!(polls >= 2, "the first poll sees 100, a later one 200");

    let session = client.open_online_session().await.unwrap();
    assert!(session.reference.contains("-SO-"), "{session:?}");
    let first = invoice("FV/REF/1");
    let second = invoice("FV/REF/2");
    let first_ref = client.send_invoice(&session, &first).await.unwrap();
    let second_ref = client.send_invoice(&session, &second).await.unwrap();
    assert_ne!(first_ref, second_ref);

    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.clear();
        for reference in [&first_ref, &second_ref] {
            statuses.push(client.invoice_status(&session, reference).await.unwrap());
        }
        if statuses.iter().all(|s| s.is_final()) {
            break;
        }
        step(&sim, 1);
    }
    let numbers: Vec<String> = statuses
        .iter()
        .map(|status| {
            assert_eq!(status.code, 200, "{status:?}");
            let number = status.ksef_number.clone().unwrap();
            assert!(
                is_ksef_number(&number) && number.starts_with(NIP),
                "{number}"
            );
            number
        })
        .collect();
    assert_ne!(numbers[0], numbers[1]);

    let listed = client.session_invoices(&session).await.unwrap();
    let seen: Vec<(&str, &str, u16, Option<&str>)> = listed
        .iter()
        .map(|i| {
            (
                i.reference.as_str(),
                i.invoice_hash.as_str(),
                i.code,
                i.ksef_number.as_deref(),
            )
        })
        .collect();
    let (first_hash, second_hash) = (invoice_hash(&first), invoice_hash(&second));
    assert_eq!(
        seen,
        [
            (
                first_ref.as_str(),
                first_hash.as_str(),
                200,
                Some(numbers[0].as_str())
            ),
            (
                second_ref.as_str(),
                second_hash.as_str(),
                200,
                Some(numbers[1].as_str())
            ),
        ]
    );

    client.close_session(&session).await.unwrap();
    assert_eq!(
        session_changes(&sim),
        [
            (None, "100".to_owned()),
            (Some("100".to_owned()), "170".to_owned())
        ],
        "one session opened and closed"
    );
    assert_eq!(count(&sim, "POST", "/sessions/online"), 1);
    assert_eq!(
        count(&sim, "POST", "/auth/challenge"),
        1,
        "the access token is cached across calls"
    );
    assert_eq!(count(&sim, "POST", "/auth/token/refresh"), 0);
    assert!(exchanges(&sim).iter().all(|(_, _, status)| *status < 400));
}

#[tokio::test(start_paused = true)]
async fn an_expired_access_token_is_refreshed_and_the_call_goes_through() {
    let sim = simulator("").await;
    let mut client = client(&sim, TOKEN);
    authenticate(&sim, &mut client).await;
    let session = client.open_online_session().await.unwrap();

    step(&sim, 16 * 60);
    let reference = client
        .send_invoice(&session, &invoice("FV/REF/LATE"))
        .await
        .unwrap();
    assert!(reference.contains("-EE-"), "{reference}");

    let sends: Vec<u16> = exchanges(&sim)
        .iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/invoices"))
        .map(|(_, _, status)| *status)
        .collect();
    assert_eq!(
        sends,
        [401, 202],
        "refused once, then sent with the new token"
    );
    assert_eq!(count(&sim, "POST", "/auth/token/refresh"), 1);
    assert_eq!(
        count(&sim, "POST", "/auth/challenge"),
        1,
        "a refresh, not a new login"
    );
}

#[tokio::test(start_paused = true)]
async fn a_spent_refresh_token_leads_to_a_new_login() {
    let sim = simulator("").await;
    let mut client = client(&sim, TOKEN);
    authenticate(&sim, &mut client).await;
    step(&sim, 8 * 86_400);
    let session = with_running_clock(&sim, client.open_online_session())
        .await
        .unwrap();
    assert!(session.reference.contains("-SO-"));
    let refreshes: Vec<u16> = exchanges(&sim)
        .iter()
        .filter(|(m, p, _)| m == "POST" && p == "/auth/token/refresh")
        .map(|(_, _, status)| *status)
        .collect();
    assert_eq!(refreshes, [400], "an expired refresh token is 400/21301");
    assert_eq!(count(&sim, "POST", "/auth/challenge"), 2);
    assert_eq!(count(&sim, "POST", "/auth/token/redeem"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_authentication_stops_with_its_code() {
    let sim = simulator("").await;
    let mut client = client(&sim, "blocked-token");
    let failed = with_running_clock(&sim, client.authenticate()).await;
    let Err(KsefError::AuthenticationFailed { code, details, .. }) = failed else {
        panic!("{failed:?}");
    };
    assert_eq!(code, 450);
    assert_eq!(details, ["Token unieważniony"]);
    assert_eq!(count(&sim, "POST", "/auth/token/redeem"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_call_reports_status_and_retry_after() {
    let sim = simulator("  rate_limits: { groups: { invoiceStatus: { per_minute: 1 } } }").await;
    let mut client = client(&sim, TOKEN);
    authenticate(&sim, &mut client).await;
    let session = client.open_online_session().await.unwrap();
    let reference = client
        .send_invoice(&session, &invoice("FV/REF/RL"))
        .await
        .unwrap();
    client.invoice_status(&session, &reference).await.unwrap();
    let limited = client
        .invoice_status(&session, &reference)
        .await
        .unwrap_err();
    assert_eq!(limited.status(), Some(429), "{limited}");
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(60)));
    step(&sim, 60);
    let status = client.invoice_status(&session, &reference).await.unwrap();
    assert!(status.is_final(), "{status:?}");
}
