//! The application's `reconfigure` hook: an HTTP request it answers when it has read the
//! discovery document again, or a command (typically a restart) for an application without
//! such an endpoint.

use std::time::Duration;

use super::config::Hook;

/// Sends `hook` to make the application configure itself from the discovery document
/// again; `Err` says how it refused.
pub(super) async fn send(hook: &Hook, limit: Duration) -> Result<(), String> {
    let url = match (&hook.url, &hook.command) {
        (Some(url), _) => url,
        (None, Some(command)) => return run_hook_command(command, limit).await,
        (None, None) => return Err("the hook has neither url nor command".into()),
    };
    let method = reqwest::Method::from_bytes(hook.method.as_bytes())
        .map_err(|e| format!("method {}: {e}", hook.method))?;
    let res = hook_client()
        .request(method, url)
        .timeout(limit)
        .send()
        .await
        .map_err(|e| format!("{hook}: {e}"))?;
    let status = res.status();
    if status.is_success() {
        return Ok(());
    }
    let body: String = res
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Err(format!("status {}: {body}", status.as_u16()))
}

/// Runs a hook's command with `sh -c`; exit status 0 is success, anything else (or no end
/// within `limit`) a failure quoting the end of its output.
async fn run_hook_command(command: &str, limit: Duration) -> Result<(), String> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(limit, child).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return Err(format!("command `{command}` could not start: {e}")),
        Err(_) => {
            return Err(format!(
                "command `{command}` did not end within {}s (cell_timeout_secs)",
                limit.as_secs()
            ));
        }
    };
    if output.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stderr) + String::from_utf8_lossy(&output.stdout);
    let tail: String = text
        .trim()
        .chars()
        .rev()
        .take(300)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Err(format!(
        "command `{command}` failed ({}): {tail}",
        output.status
    ))
}

/// The client for requests to the application itself: one per run, since building one reads
/// the system's root certificates.
fn hook_client() -> &'static reqwest::Client {
    static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    });
    &CLIENT
}
