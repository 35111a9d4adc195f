//! `mock-idp`: serve the mock OpenID Provider from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mock_idp::{IdpConfig, MockIdp, TlsPem, demo_tenant};

/// A mock OpenID Provider for local development and tests.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MOCK_IDP_BIND")]
    bind: Option<SocketAddr>,
    /// Configuration file; defaults to fixtures/idp.toml when it exists, else the built-in demo.
    #[arg(long, env = "MOCK_IDP_CONFIG")]
    config: Option<PathBuf>,
    /// Public base URL of the issuers (behind a proxy or in a container network).
    #[arg(long, env = "MOCK_IDP_ISSUER_BASE_URL")]
    issuer_base_url: Option<String>,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    tls: bool,
    /// Where --tls writes the certificate (PEM) for relying parties to trust.
    #[arg(long, default_value = "target/mock-idp-tls")]
    tls_dir: PathBuf,
    /// Let non-loopback peers use the admin API.
    #[arg(long)]
    admin_public: bool,
}

fn self_signed(dir: &PathBuf) -> Result<(TlsPem, PathBuf), String> {
    let pem = TlsPem::self_signed().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("mock-idp-cert.pem");
    std::fs::write(&path, &pem.cert)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((pem, path))
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "mock_idp=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config_path = args
        .config
        .clone()
        .or_else(mock_idp::config::default_config_path);
    let config = match &config_path {
        Some(path) => match IdpConfig::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => IdpConfig {
            tenants: vec![demo_tenant()],
            ..Default::default()
        },
    };
    let bind = match (args.bind, config.server.bind.as_deref()) {
        (Some(b), _) => b,
        (None, Some(text)) => match text.parse() {
            Ok(b) => b,
            Err(_) => {
                eprintln!(
                    "error: {}: server.bind: expected an address like 127.0.0.1:9090, found \"{text}\"; fix: correct the address",
                    config_path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                );
                return ExitCode::from(2);
            }
        },
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 9090)),
    };
    let mut builder = MockIdp::builder()
        .bind(bind)
        .admin_public(args.admin_public)
        .limits(config.server.limits);
    // Tenants added over the admin API read key files only from these folders.
    if let Some(dir) = config_path.as_ref().and_then(|p| p.parent()) {
        let dir = if dir.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            dir
        };
        builder = builder.key_dir(dir);
    }
    if let Some(dir) = config.server.key_dir.clone() {
        builder = builder.key_dir(dir);
    }
    for t in config.tenants {
        builder = builder.tenant(t);
    }
    if let Some(base) = args.issuer_base_url.or(config.server.issuer_base_url) {
        builder = builder.issuer_base_url(base);
    }
    let mut cert_path = None;
    if args.tls {
        match self_signed(&args.tls_dir) {
            Ok((pem, path)) => {
                builder = builder.tls(pem);
                cert_path = Some(path);
            }
            Err(e) => {
                eprintln!("error: --tls: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let idp = match builder.try_start().await {
        Ok(idp) => idp,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    mock_idp::warm_random_generator();
    println!("mock-idp listening on {}", idp.url());
    match &config_path {
        Some(p) => println!("configuration: {}", p.display()),
        None => println!("configuration: built-in demo (no fixtures/idp.toml here)"),
    }
    if let Some(p) = cert_path {
        println!(
            "TLS certificate (trust it in your relying party): {}",
            p.display()
        );
    }
    for t in idp.tenants() {
        let issuer = t.issuer();
        println!("\nissuer     {issuer}");
        println!(
            "  discovery  {}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let jwks = t.jwks();
        let kids: Vec<String> = jwks["keys"]
            .as_array()
            .map(|k| {
                k.iter()
                    .map(|k| {
                        format!(
                            "{} {}",
                            k["alg"].as_str().unwrap_or(""),
                            k["kid"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        println!("  keys       {}", kids.join(", "));
        let config = t.config();
        for c in &config.clients {
            let kind = if c.is_public() {
                "public"
            } else {
                "confidential"
            };
            println!(
                "  client     {} ({kind}) → {}",
                c.client_id,
                c.redirect_uris.join(", ")
            );
        }
        let users: Vec<&str> = config.users.iter().map(|u| u.username.as_str()).collect();
        println!("  users      {}", users.join(", "));
    }
    println!(
        "\nadmin API  {}/_admin (loopback only{})",
        idp.url(),
        if args.admin_public {
            ", opened by --admin-public"
        } else {
            ""
        }
    );
    println!("health     {}/healthz", idp.url());
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    ExitCode::SUCCESS
}
