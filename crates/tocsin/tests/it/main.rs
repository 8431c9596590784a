//! The `tocsin` binary driven as a user drives it: commands, exit codes, output, files.

mod alerts;
mod analysts;
mod architecture;
mod assess;
mod audit;
mod brief;
mod catalogue;
mod config;
mod data;
mod export;
mod import;
mod intake;
mod risk;
mod serve;
mod toolbox;
mod web;

use std::path::PathBuf;

use assert_cmd::Command;

/// The shared datasets (`TOCSIN_TEST_DATA`, default `../shared/data` beside the repository).
pub fn test_data() -> PathBuf {
    std::env::var_os("TOCSIN_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

pub fn ewp_file() -> PathBuf {
    test_data().join("ewp/prepared2024predictors-2025-09-03.csv")
}

/// A data directory of its own, with the environment cleared of settings that would leak in.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn create() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.data_dir().join("tocsin.db").display())
    }

    /// `tocsin` with `--data-dir` set to this sandbox and no TOCSIN_* from the caller.
    pub fn tocsin(&self) -> Command {
        let mut command = Command::cargo_bin("tocsin").unwrap();
        for name in [
            "TOCSIN_DATABASE_URL",
            "TOCSIN_CONFIG",
            "TOCSIN_LISTEN",
            "TOCSIN_LOG",
            "RUST_LOG",
        ] {
            command.env_remove(name);
        }
        command.env("TOCSIN_DATA_DIR", self.data_dir());
        command
    }
}

/// Runs a command and returns (exit code, stdout, stderr).
pub fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// A fresh, empty PostgreSQL database on the test server (see `scripts/test`).
pub async fn fresh_postgres_database(label: &str) -> String {
    use sqlx::Executor;
    let admin = std::env::var("TOCSIN_TEST_POSTGRES_URL").expect(
        "TOCSIN_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    );
    let name = format!("tocsin_cli_{label}_{}", std::process::id());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await
        .unwrap();
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    pool.close().await;
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}
