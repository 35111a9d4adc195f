//! `relying-party`: the reference relying party, serving on its configured address.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use relying_party::app::{self, Rp};
use relying_party::config::RpConfig;
use relying_party::store::Store;
use server_guard::ServerLimits;

/// The reference OpenID Connect relying party.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Modes: production (the default) accepts https issuers and endpoints only; development (--dev, or dev_mode = true under [server]) also accepts plain http on loopback hosts, for a mock IdP on this machine."
)]
struct Args {
    /// Configuration file; defaults to fixtures/rp.toml when it exists.
    #[arg(long, env = "RP_CONFIG")]
    config: Option<PathBuf>,
    /// Development mode: also accept plain-http issuers and endpoints on loopback hosts
    /// (overrides the file's dev_mode).
    #[arg(long, env = "RP_DEV")]
    dev: bool,
    /// Listen address (overrides the file).
    #[arg(long, env = "RP_BIND")]
    bind: Option<String>,
    /// SQLite file, or :memory: (overrides the file).
    #[arg(long, env = "RP_DATABASE")]
    database: Option<String>,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "relying_party=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let path = args.config.clone().or_else(RpConfig::default_path);
    let mut config = match &path {
        Some(p) => match RpConfig::load_in_mode(p, args.dev) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => RpConfig::default(),
    };
    if let Some(b) = args.bind {
        config.server.bind = b;
    }
    if let Some(d) = args.database {
        config.server.database = d;
    }
    if args.dev {
        config.server.dev_mode = true;
    }
    let store = if config.server.database == ":memory:" {
        Store::open_in_memory()
    } else {
        Store::open(std::path::Path::new(&config.server.database))
    };
    let store = match store {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: database {}: {e}", config.server.database);
            return ExitCode::from(2);
        }
    };
    if let Err(e) = config.seed(&store) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let mut rp = Rp::new(store, &config.public_url(), config.server.dev_mode);
    if let Some(pem) = &config.server.trusted_pem {
        rp = match rp.trusting(pem) {
            Ok(rp) => rp,
            Err(e) => {
                eprintln!("error: server.trust_certificate: {e}");
                return ExitCode::from(2);
            }
        };
    }
    let rp = Arc::new(rp);
    for p in &config.providers {
        if rp.provider(&p.name).is_some() {
            continue;
        }
        // Providers given without endpoints are autoconfigured from their issuer.
        let settings = match rp.with_discovered_endpoints(p.clone()).await {
            Ok(settings) => settings,
            Err(findings) => {
                let why: Vec<String> = findings
                    .iter()
                    .map(|f| format!("{} ({})", f.message, f.code))
                    .collect();
                eprintln!(
                    "error: provider {}: autoconfiguration from {} failed: {}; fix: give its endpoints in the configuration, or start the provider first",
                    p.name,
                    p.metadata_location(),
                    why.join("; ")
                );
                return ExitCode::from(2);
            }
        };
        if let Err(problems) = rp.save_provider(&settings) {
            eprintln!("error: provider {}: {}", p.name, problems.join("; "));
            return ExitCode::from(2);
        }
    }
    let listener = match tokio::net::TcpListener::bind(&config.server.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", config.server.bind);
            return ExitCode::from(2);
        }
    };
    let mode = if config.server.dev_mode {
        "development mode: plain http accepted on loopback hosts"
    } else {
        "production mode: https only (--dev for a local mock IdP)"
    };
    println!(
        "relying party on {} (redirect URI {}), {mode}",
        config.public_url(),
        rp.redirect_uri()
    );
    let source = match &path {
        Some(p) if args.config.is_some() => p.display().to_string(),
        Some(p) => format!("{} (the default; --config to choose)", p.display()),
        None => "none (built-in defaults; --config to choose)".into(),
    };
    println!(
        "  configuration {source}, database {}",
        config.server.database
    );
    for p in rp.providers() {
        let state = if p.active { "active" } else { "inactive" };
        println!(
            "  provider {} ({state}, {}) issuer {}",
            p.name,
            p.flow.label(),
            p.issuer
        );
    }
    app::serve(listener, rp, ServerLimits::default()).await;
    ExitCode::SUCCESS
}
