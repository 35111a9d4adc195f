//! `/admin/sign-ins`: the recent sign-in outcomes, newest first, with provider, code and
//! message, at UTC times a person can read.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::html::{admin_page, snake};
use crate::app::pages::escape;
use crate::app::state::{RECORDS_KEPT, Rp};

/// Unix seconds as a UTC date `YYYY-MM-DD` and time `HH:MM:SS` (proleptic Gregorian).
fn utc(at: i64) -> (String, String) {
    let (days, secs) = (at.div_euclid(86_400), at.rem_euclid(86_400));
    // Days to a civil date, after Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ),
    )
}

/// `GET /admin/sign-ins`.
pub(super) async fn list(State(rp): State<Arc<Rp>>) -> Response {
    let records = rp.sign_ins();
    let mut rows = String::new();
    for (n, r) in records.iter().rev().enumerate() {
        let (class, outcome) = if r.ok {
            ("ok", "Signed in")
        } else {
            ("no", "Refused")
        };
        let user = r
            .user
            .as_ref()
            .map(|u| {
                format!(
                    "<a href=\"/admin/users/{}\">{}</a> ({})",
                    u.user.id,
                    escape(&u.user.username),
                    snake(u.how)
                )
            })
            .unwrap_or_default();
        let (date, time) = utc(r.at);
        rows.push_str(&format!(
            "<tr id=\"sign-in-{n}\"><td><time datetime=\"{date}T{time}Z\">{date} {time} UTC</time></td><td>{}</td><td class=\"{class}\">{outcome}</td><td><code>{}</code></td><td>{}</td><td>{user}</td></tr>\n",
            escape(r.provider.as_deref().unwrap_or("—")),
            escape(r.code.as_deref().unwrap_or("")),
            escape(&r.message),
        ));
    }
    if rows.is_empty() {
        rows = "<tr><td colspan=\"6\">No sign-in yet.</td></tr>\n".into();
    }
    let body = format!(
        "<p>{} recent outcomes, newest first (the last {RECORDS_KEPT} are kept in memory). Refusals carry the stable error code.</p>\n\
<table id=\"sign-ins\"><caption>Recent sign-ins</caption><thead><tr><th scope=\"col\">When</th>\
<th scope=\"col\">Provider</th><th scope=\"col\">Outcome</th><th scope=\"col\">Code</th>\
<th scope=\"col\">Message</th><th scope=\"col\">User</th></tr></thead>\n<tbody>{rows}</tbody></table>\n",
        records.len()
    );
    admin_page(StatusCode::OK, "Sign-ins", &body)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn unix_seconds_read_as_utc_dates() {
        let shown = |at| {
            let (date, time) = utc(at);
            format!("{date} {time}")
        };
        assert_eq!(shown(0), "1970-01-01 00:00:00");
        assert_eq!(shown(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(shown(1_796_146_931), "2026-12-01 17:42:11");
        assert_eq!(shown(-1), "1969-12-31 23:59:59");
    }
}
