//! Concurrent first sign-ins, and sign-ins that fail storing nothing.

use super::*;

#[test]
fn concurrent_first_sign_ins_create_one_user() {
    const THREADS: usize = 16;
    let dir = TempDir::new("concurrent");
    let shared = open(&dir);
    let rules = Rules::new().roles_for_all();
    let barrier = Arc::new(Barrier::new(THREADS));
    let db: &Path = &dir.db();
    let outcomes: Vec<Result<SignInOutcome, UserRulesError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let barrier = Arc::clone(&barrier);
                let rules = rules.clone();
                let shared = shared.clone();
                scope.spawn(move || {
                    // Half the threads share one store, half open their own connection.
                    let store = if i % 2 == 0 {
                        shared
                    } else {
                        Store::open(db).unwrap()
                    };
                    let mut c = ann_claims();
                    c.insert("groups".into(), json!(["app-viewers"]));
                    barrier.wait();
                    rules.sign_in(&store, "sub-race", &c)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let outcomes: Vec<SignInOutcome> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every concurrent sign-in succeeds"))
        .collect();
    let users = shared.users().unwrap();
    assert_eq!(users.len(), 1, "{users:?}");
    assert!(outcomes.iter().all(|o| o.user.id == users[0].id));
    let created = outcomes
        .iter()
        .filter(|o| o.how == SignInHow::Created)
        .count();
    let existing = outcomes
        .iter()
        .filter(|o| o.how == SignInHow::Existing)
        .count();
    assert_eq!((created, existing), (1, THREADS - 1));
    assert_eq!(
        users[0].roles,
        roles(&[("le1", &["viewer"]), ("le2", &["viewer"])])
    );
}

#[test]
fn concurrent_sign_ins_of_different_identities_all_land() {
    const THREADS: usize = 8;
    let dir = TempDir::new("concurrent-many");
    let shared = open(&dir);
    let mut rules = Rules::new();
    rules.binding.enabled = false;
    let db = dir.db();
    std::thread::scope(|scope| {
        for i in 0..THREADS {
            let rules = rules.clone();
            let db = db.clone();
            scope.spawn(move || {
                let store = Store::open(db).unwrap();
                for round in 0..3 {
                    // Same email for everyone: usernames must still come out unique.
                    let outcome = rules
                        .sign_in(&store, &format!("sub-{i}"), &ann_claims())
                        .unwrap();
                    let expected = if round == 0 {
                        SignInHow::Created
                    } else {
                        SignInHow::Existing
                    };
                    assert_eq!(outcome.how, expected);
                }
            });
        }
    });
    let users = shared.users().unwrap();
    assert_eq!(users.len(), THREADS);
    let usernames: BTreeSet<_> = users.iter().map(|u| u.username.to_lowercase()).collect();
    assert_eq!(usernames.len(), THREADS);
}

#[test]
fn nothing_is_stored_when_a_sign_in_fails() {
    let dir = TempDir::new("atomic");
    let store = open(&dir);

    // Creation with a user type that does not exist.
    let mut rules = Rules::new();
    rules.creation.user_type = "ghost".into();
    let error = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap_err();
    assert_eq!(error.code(), "creation.unknown_user_type");
    assert!(store.users().unwrap().is_empty());

    // Invalid binding rules refuse the sign-in before anything happens.
    let mut rules = Rules::new();
    rules.binding.rows[0].open_brackets = "(".into();
    let error = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap_err();
    assert_eq!(error.code(), "binding.invalid_rules");
    assert!(store.users().unwrap().is_empty());

    // A failure after the invitation flag, fields and roles were written rolls all back.
    let invited = store
        .invite(
            &Invitation {
                provider: PROVIDER.into(),
                external_id: "sub-ann".into(),
                email: "ann@example.com".into(),
                user_type: "customer".into(),
                roles: None,
            },
            RolePolicy::FromProvider,
        )
        .unwrap();
    let raw = rusqlite::Connection::open(dir.db()).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse_editors BEFORE INSERT ON user_roles
         WHEN NEW.role = 'editor' BEGIN SELECT RAISE(ABORT, 'no editors today'); END;",
    )
    .unwrap();
    drop(raw);
    let rules = Rules::new().roles_for_all();
    let mut c = ann_claims();
    c.insert("groups".into(), json!(["app-viewers", "app-editors"]));
    let error = rules.sign_in(&store, "sub-ann", &c).unwrap_err();
    assert!(matches!(error, UserRulesError::Store(_)), "{error}");
    let after = store.user(invited.id).unwrap().unwrap();
    assert_eq!(after, invited, "flag, fields and roles are as before");
    assert_eq!(store.users().unwrap().len(), 1);
}
