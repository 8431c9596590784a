//! `tocsin audit verify` on an untouched database and after an entry is edited behind its back.

use sqlx::Executor;

use crate::{ewp_file, json, run, Sandbox};

#[test]
fn verify_passes_untouched_and_names_the_first_altered_entry() {
    let sandbox = Sandbox::create();
    let small = sandbox.dir.path().join("small.csv");
    let text = std::fs::read_to_string(ewp_file()).unwrap();
    std::fs::write(
        &small,
        text.lines()
            .take(50)
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    // Three imports: three audit entries.
    for _ in 0..2 {
        assert_eq!(
            run(sandbox.tocsin().args(["import", "ewp"]).arg(&small)).0,
            0
        );
    }
    assert_eq!(
        run(sandbox.tocsin().args(["import", "ewp"]).arg(ewp_file())).0,
        0
    );

    let (code, stdout, stderr) = run(sandbox.tocsin().args(["audit", "verify", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let report = json(&stdout);
    assert_eq!(report["ok"], true);
    assert_eq!(report["entries"], 3);

    // Someone with access to the database file removes the guard and rewrites history.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&sandbox.sqlite_url()).await.unwrap();
        pool.execute("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap();
        pool.execute("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 2")
            .await
            .unwrap();
        pool.close().await;
    });

    let (code, stdout, _) = run(sandbox.tocsin().args(["audit", "verify"]));
    assert_eq!(code, 1, "a broken chain is a problem found: {stdout}");
    assert!(stdout.contains("BROKEN at entry 2"), "{stdout}");
    let (code, stdout, _) = run(sandbox.tocsin().args(["audit", "verify", "--json"]));
    assert_eq!(code, 1);
    let report = json(&stdout);
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_bad_entry"], 2);
}
