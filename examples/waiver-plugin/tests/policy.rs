//! The policy, natively: each rule on findings built by hand.

use org_waiver_policy::Policy;
use stiglint_sdk::json;
use stiglint_sdk::waiver::{
    ControlRef, Decision, Review, ScanContext, Severity, Value, Waiver, WaiverPolicy, configured,
};

fn scan() -> ScanContext {
    ScanContext {
        today: "2025-03-01".into(),
        ..ScanContext::default()
    }
}

fn policy(settings: &Value) -> Policy {
    configured(settings, &scan()).expect("valid settings")
}

/// The usual settings: two approvers, the default 90 days.
fn standard() -> Policy {
    policy(&json!({"approvers": ["isso@example.mil", "ao@example.mil"]}))
}

/// A good waiver: approved by an approver, running 60 days.
fn waiver() -> Waiver {
    Waiver {
        control: "CNTR-K8-000440".into(),
        justification: "vendor agent needs hostPath until 2025-Q2".into(),
        approved_by: "isso@example.mil".into(),
        approved_on: Some("2025-01-15".into()),
        expires: "2025-03-16".into(),
        ticket: Some("SEC-42".into()),
        origin: "file".into(),
    }
}

fn finding(severity: Severity, claimed: Option<Waiver>) -> Review {
    Review {
        control: ControlRef {
            id: "CNTR-K8-000440".into(),
            title: "hostPath volumes".into(),
            severity,
            stig_id: Some("CNTR-K8-000440".into()),
            vuln_id: Some("V-242397".into()),
        },
        message: "Volume 'host' must not be a hostPath".into(),
        pointer: "/spec/volumes/0".into(),
        uri: "file:///k8s/agent.yaml".into(),
        line: 21,
        kind: Some("DaemonSet".into()),
        namespace: Some("monitoring".into()),
        name: Some("agent".into()),
        claimed,
    }
}

fn rejection(decision: Decision) -> String {
    match decision {
        Decision::Reject(reason) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn a_good_waiver_is_kept() {
    for severity in [Severity::Medium, Severity::Low] {
        let item = finding(severity, Some(waiver()));
        assert_eq!(standard().review(&item, &scan()), Decision::Keep);
    }
}

#[test]
fn findings_without_a_waiver_are_kept() {
    // Even CAT I, and even with no approvers configured.
    let item = finding(Severity::High, None);
    assert_eq!(standard().review(&item, &scan()), Decision::Keep);
    assert_eq!(policy(&json!({})).review(&item, &scan()), Decision::Keep);
}

#[test]
fn cat_i_is_never_waivable() {
    let item = finding(Severity::High, Some(waiver()));
    assert_eq!(
        rejection(standard().review(&item, &scan())),
        "CNTR-K8-000440 is CAT I: CAT I controls are never waivable under org-waiver-policy"
    );
}

#[test]
fn a_waiver_runs_at_most_max_days() {
    let mut w = waiver();
    w.approved_on = Some("2025-01-01".into());
    // 2025-01-01 + 90 days = 2025-04-01: allowed; one day more is not.
    w.expires = "2025-04-01".into();
    let item = finding(Severity::Medium, Some(w.clone()));
    assert_eq!(standard().review(&item, &scan()), Decision::Keep);
    w.expires = "2025-04-02".into();
    let item = finding(Severity::Medium, Some(w));
    assert_eq!(
        rejection(standard().review(&item, &scan())),
        "the waiver runs 91 days (approved on 2025-01-01, expires 2025-04-02), more than the \
         90-day limit of org-waiver-policy"
    );
}

#[test]
fn max_days_is_a_setting_and_leap_days_count() {
    let strict = policy(&json!({"max-days": 30, "approvers": ["isso@example.mil"]}));
    let mut w = waiver();
    // 2024 is a leap year: 2024-02-01 .. 2024-03-02 is 30 days.
    w.approved_on = Some("2024-02-01".into());
    w.expires = "2024-03-02".into();
    assert_eq!(
        strict.review(&finding(Severity::Low, Some(w.clone())), &scan()),
        Decision::Keep
    );
    w.expires = "2024-03-03".into();
    let reason = rejection(strict.review(&finding(Severity::Low, Some(w)), &scan()));
    assert!(reason.contains("runs 31 days"), "{reason}");
    assert!(reason.contains("30-day limit"), "{reason}");
}

#[test]
fn a_waiver_needs_an_approval_date() {
    let mut w = waiver();
    w.approved_on = None;
    let reason = rejection(standard().review(&finding(Severity::Medium, Some(w)), &scan()));
    assert!(
        reason.starts_with("the waiver needs an approved-on date"),
        "{reason}"
    );
    assert!(reason.contains("90 days"), "{reason}");
}

#[test]
fn bad_or_backwards_dates_are_rejected() {
    let mut w = waiver();
    w.expires = "2025-02-30".into();
    let reason = rejection(standard().review(&finding(Severity::Medium, Some(w.clone())), &scan()));
    assert_eq!(
        reason,
        "the waiver's dates must be YYYY-MM-DD (approved-on '2025-01-15', expires '2025-02-30')"
    );
    w.expires = "2025-01-14".into();
    let reason = rejection(standard().review(&finding(Severity::Medium, Some(w)), &scan()));
    assert_eq!(
        reason,
        "the waiver expires (2025-01-14) before it was approved (2025-01-15)"
    );
}

#[test]
fn only_configured_approvers_may_approve() {
    let mut w = waiver();
    w.approved_by = "dev@example.mil".into();
    assert_eq!(
        rejection(standard().review(&finding(Severity::Medium, Some(w.clone())), &scan())),
        "'dev@example.mil' is not an approver under org-waiver-policy"
    );
    // Exact match: no case folding, no trimming.
    w.approved_by = "ISSO@example.mil".into();
    assert!(matches!(
        standard().review(&finding(Severity::Medium, Some(w)), &scan()),
        Decision::Reject(_)
    ));
}

#[test]
fn no_approvers_configured_fails_closed() {
    for settings in [
        json!({}),
        json!({"approvers": []}),
        json!({"max-days": 365}),
    ] {
        let reason =
            rejection(policy(&settings).review(&finding(Severity::Low, Some(waiver())), &scan()));
        assert_eq!(
            reason,
            "no approvers are configured (`approvers` in [plugin-settings.org-waiver-policy]), \
             so no waiver can be honoured",
            "{settings}"
        );
    }
}

#[test]
fn settings_are_checked() {
    let p = policy(&json!({"max-days": 14, "approvers": ["a"]}));
    assert_eq!(p.max_days, 14);
    assert_eq!(p.approvers, Some(vec!["a".to_owned()]));
    assert_eq!(policy(&json!({})).max_days, 90);
    for (settings, error) in [
        (
            json!({"max-day": 30}),
            "unknown setting `max-day` (expected max-days, approvers)",
        ),
        (
            json!({"max-days": "90"}),
            "`max-days` must be a whole number, 0 or more, e.g. max-days = 90",
        ),
        (
            json!({"max-days": -1}),
            "`max-days` must be a whole number, 0 or more, e.g. max-days = 90",
        ),
        (
            json!({"approvers": "isso@example.mil"}),
            "`approvers` must be a list of strings, e.g. approvers = [\"...\"]",
        ),
        (json!(["not", "a", "table"]), "the settings must be a table"),
    ] {
        assert_eq!(
            configured::<Policy>(&settings, &scan()).err().as_deref(),
            Some(error),
            "{settings}"
        );
    }
}

#[test]
fn reconfiguring_starts_from_the_defaults() {
    let mut p = policy(&json!({"max-days": 7, "approvers": ["a"]}));
    p.configure(&json!({}), &scan()).expect("empty settings");
    assert_eq!(p.max_days, 90);
    assert_eq!(p.approvers, None);
}
