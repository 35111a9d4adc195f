//! One fault × flow of a sweep (or a flow's baseline) and its verdict, in the shape
//! `harness check` reports, plus the OpenID Foundation's rule on which calls a correct
//! relying party must not make after a rejected response.

use serde::Serialize;

use crate::catalog::{CatalogEntry, Expect, FlowKind, Group};

/// The fault name of the cell that runs each flow without a fault.
pub const BASELINE: &str = "baseline";

/// What the application did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// It signed the user in.
    Accepted,
    /// It did not.
    Rejected,
}

impl Observed {
    /// Whether this is what `expect` asks for (anything is, when the client may decide).
    pub fn matches(self, expect: Expect) -> bool {
        matches!(
            (self, expect),
            (Self::Accepted, Expect::Accept)
                | (Self::Rejected, Expect::Reject)
                | (_, Expect::Either)
        )
    }

    /// `accepted` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
}

/// A cell's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Observed as expected and no forbidden call.
    Pass,
    /// Anything else.
    Fail,
    /// The fault could not be arranged; the reason says why.
    Skipped,
    /// The flow's baseline failed, so this cell would prove nothing.
    NotMeaningful,
    /// The specification lets the client decide ([`Expect::Either`]): what the application
    /// did is reported, never judged.
    Advisory,
}

impl Status {
    /// `pass`, `FAIL`, `skipped`, `not meaningful` or `advisory`, as the tables show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Skipped => "skipped",
            Self::NotMeaningful => "not meaningful",
            Self::Advisory => "advisory",
        }
    }

    /// The verdict of a cell that ran: `reasons` are what went wrong with it.
    pub fn judged(expected: Expect, reasons: &[String]) -> Self {
        match (reasons.is_empty(), expected) {
            (false, _) => Self::Fail,
            (true, Expect::Either) => Self::Advisory,
            (true, _) => Self::Pass,
        }
    }
}

/// Token and userinfo calls the application made during the cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Calls {
    /// Token endpoint requests.
    pub token: usize,
    /// Userinfo endpoint requests.
    pub userinfo: usize,
}

/// Which calls a correct relying party does not make after `entry`'s fault in `flow`,
/// following the OpenID Foundation's black-box rule: after a rejected ID token from the
/// authorization endpoint no token call, after any rejected ID token no userinfo call. A
/// rejected authorization response (wrong `state`, an error) must not be redeemed either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForbiddenCalls {
    /// No token request may follow.
    pub token: bool,
    /// No userinfo request may follow.
    pub userinfo: bool,
}

impl ForbiddenCalls {
    /// The rule for one catalog entry in one flow.
    pub fn after(entry: &CatalogEntry, flow: FlowKind) -> Self {
        if entry.expect != Expect::Reject {
            return Self::default();
        }
        match entry.group {
            Group::IdTokenClaims | Group::Signature | Group::Hashes => Self {
                token: flow.front_channel_id_token(),
                userinfo: true,
            },
            // The inconsistent token is the token endpoint's: redeeming the code is fine.
            Group::Hybrid => Self {
                token: false,
                userinfo: true,
            },
            Group::AuthorizationResponse => Self {
                token: true,
                userinfo: true,
            },
            _ => Self::default(),
        }
    }
}

/// What the forbidden calls of a cell say, in words: an authorization request with metadata
/// the application should have refused, and the calls after a rejected response.
pub fn forbidden_call_reasons(forbidden: &[String]) -> Vec<String> {
    let mut reasons = Vec::new();
    if forbidden.iter().any(|c| c == "authorize") {
        reasons
            .push("started a sign-in (an authorization request) with the refused metadata".into());
    }
    let after: Vec<&str> = forbidden
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "authorize")
        .collect();
    if !after.is_empty() {
        reasons.push(format!(
            "called {} after a rejected response",
            after.join(" and ")
        ));
    }
    reasons
}

/// The group's snake_case name, as the catalog serialises it.
pub fn group_name(group: Group) -> String {
    match serde_json::to_value(group) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{group:?}"),
    }
}

/// One fault × flow (or a flow's baseline).
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// `<fault>::<flow>`.
    pub name: String,
    /// The fault's catalog name, or `baseline`.
    pub fault: String,
    /// The flow.
    pub flow: FlowKind,
    /// The catalog group (snake_case), or `baseline`.
    pub group: String,
    /// The certification test it mirrors.
    pub mirrors: Option<String>,
    /// The catalog's note on the entry (allowed alternatives, caveats).
    pub note: Option<String>,
    /// What a correct application does.
    pub expected: Expect,
    /// What this one did; absent when the cell did not run.
    pub observed: Option<Observed>,
    /// The verdict.
    pub status: Status,
    /// Calls seen in the IdP's request log.
    pub calls: Calls,
    /// Endpoints called although a correct application must not have.
    pub forbidden_calls: Vec<String>,
    /// Status of the page the browser stopped on.
    pub landing_status: Option<u16>,
    /// That page's URL, without query.
    pub landing_url: Option<String>,
    /// The application's error text, when it gave one.
    pub app_error: Option<String>,
    /// Why the cell failed or was skipped.
    pub reason: Option<String>,
    /// What the application wrote to its log while the cell ran (`harness check` with
    /// `log_file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_log: Option<String>,
    /// Wall time of the cell.
    pub duration_ms: u64,
}

impl Cell {
    /// A cell that did not run.
    pub fn not_run(
        fault: &str,
        flow: FlowKind,
        group: String,
        expected: Expect,
        status: Status,
        reason: String,
    ) -> Self {
        Self {
            name: format!("{fault}::{flow}"),
            fault: fault.to_owned(),
            flow,
            group,
            mirrors: None,
            note: None,
            expected,
            observed: None,
            status,
            calls: Calls::default(),
            forbidden_calls: Vec::new(),
            landing_status: None,
            landing_url: None,
            app_error: None,
            reason: Some(reason),
            app_log: None,
            duration_ms: 0,
        }
    }

    /// The calls made, `!` marking forbidden ones: `token,userinfo!`, or `-`. An
    /// authorization request shows only when it was forbidden (`authorize!`: a sign-in
    /// started with metadata the application should have refused).
    pub fn calls_text(&self) -> String {
        let mut parts = Vec::new();
        if self.forbidden_calls.iter().any(|f| f == "authorize") {
            parts.push("authorize!".to_owned());
        }
        for (name, n) in [
            ("token", self.calls.token),
            ("userinfo", self.calls.userinfo),
        ] {
            if n > 0 {
                let mark = if self.forbidden_calls.iter().any(|f| f == name) {
                    "!"
                } else {
                    ""
                };
                parts.push(format!("{name}{mark}"));
            }
        }
        if parts.is_empty() {
            "-".into()
        } else {
            parts.join(",")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forbidden_authorization_request_shows_in_the_calls_and_the_reason() {
        let mut cell = Cell::not_run(
            "discovery_issuer_mismatch",
            FlowKind::AuthorizationCode,
            "discovery".into(),
            Expect::Reject,
            Status::Fail,
            String::new(),
        );
        cell.forbidden_calls = vec!["authorize".into()];
        assert_eq!(cell.calls_text(), "authorize!");
        assert_eq!(
            forbidden_call_reasons(&cell.forbidden_calls),
            ["started a sign-in (an authorization request) with the refused metadata"]
        );
        cell.calls.userinfo = 1;
        cell.forbidden_calls.push("userinfo".into());
        assert_eq!(cell.calls_text(), "authorize!,userinfo!");
        assert_eq!(
            forbidden_call_reasons(&cell.forbidden_calls)[1],
            "called userinfo after a rejected response"
        );
    }
}
