//! Settings precedence (defaults < file < environment < flags) and `init`.

use crate::{json, run, Sandbox};

fn database_setting(sandbox: &Sandbox, command: &mut assert_cmd::Command) -> (String, String) {
    let (code, stdout, stderr) = run(command.args(["config", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let view = json(&stdout);
    let _ = sandbox;
    (
        view["database_url"]["value"].as_str().unwrap().to_string(),
        view["database_url"]["origin"].as_str().unwrap().to_string(),
    )
}

#[test]
fn each_source_overrides_the_one_before() {
    let sandbox = Sandbox::create();
    let (url, origin) = database_setting(&sandbox, &mut sandbox.tocsin());
    assert_eq!(
        (url.as_str(), origin.as_str()),
        (sandbox.sqlite_url().as_str(), "default")
    );

    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    std::fs::write(
        sandbox.data_dir().join("tocsin.toml"),
        "database_url = \"sqlite:///from/file.db\"\n",
    )
    .unwrap();
    let (url, origin) = database_setting(&sandbox, &mut sandbox.tocsin());
    assert_eq!(
        (url.as_str(), origin.as_str()),
        ("sqlite:///from/file.db", "file")
    );

    let mut with_env = sandbox.tocsin();
    with_env.env(
        "TOCSIN_DATABASE_URL",
        "postgres://tocsin:hunter2@db.example/tocsin",
    );
    let (url, origin) = database_setting(&sandbox, &mut with_env);
    assert_eq!(origin, "environment");
    assert_eq!(
        url, "postgres://tocsin:***@db.example/tocsin",
        "the password never prints"
    );

    let mut with_flag = sandbox.tocsin();
    with_flag
        .env("TOCSIN_DATABASE_URL", "sqlite:///from/env.db")
        .args(["--database", "sqlite:///from/flag.db"]);
    let (url, origin) = database_setting(&sandbox, &mut with_flag);
    assert_eq!(
        (url.as_str(), origin.as_str()),
        ("sqlite:///from/flag.db", "flag")
    );
}

#[test]
fn unknown_keys_in_the_file_are_an_error() {
    let sandbox = Sandbox::create();
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    std::fs::write(
        sandbox.data_dir().join("tocsin.toml"),
        "databse_url = \"sqlite:///typo.db\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run(sandbox.tocsin().arg("config"));
    assert_eq!(code, 2);
    assert!(stderr.contains("databse_url"), "{stderr}");
    assert!(stderr.contains("allowed keys"), "{stderr}");
}

#[test]
fn init_creates_directory_config_and_database_and_keeps_an_existing_config() {
    let sandbox = Sandbox::create();
    let (code, stdout, stderr) = run(sandbox.tocsin().args(["init", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["config_written"], true);
    assert!(sandbox.data_dir().join("tocsin.db").is_file());
    let config = sandbox.data_dir().join("tocsin.toml");
    assert!(std::fs::read_to_string(&config)
        .unwrap()
        .contains("# database_url"));

    std::fs::write(&config, "listen = \"127.0.0.1:9999\"\n").unwrap();
    let (code, stdout, _) = run(sandbox.tocsin().args(["init", "--json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&stdout)["config_written"], false);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "listen = \"127.0.0.1:9999\"\n"
    );
}
