use super::*;

#[test]
fn names_are_unique_and_every_entry_applies_somewhere() {
    let all = catalog();
    let mut names: Vec<_> = all.iter().map(|e| e.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
    assert!(all.iter().all(|e| !e.flows.is_empty()));
}

#[test]
fn the_all_lists_hold_every_variant_once() {
    // Exhaustive matches: a new variant fails to compile here until it is placed.
    let setup = |s: Setup| match s {
        Setup::None => 0,
        Setup::MaxAge => 1,
        Setup::Es256 => 2,
        Setup::Hs256 => 3,
        Setup::SignInTwice => 4,
        Setup::ForceKeyFetch => 5,
        Setup::Discovery => 6,
        Setup::DiscoveryTls => 7,
        Setup::Refresh => 8,
        Setup::Replay => 9,
        Setup::EntraCommon => 10,
        Setup::EntraGroups => 11,
        Setup::EntraEmailBinding => 12,
        Setup::Auth0Issuer => 13,
    };
    let positions: Vec<usize> = Setup::ALL.iter().map(|s| setup(*s)).collect();
    assert_eq!(positions, (0..Setup::ALL.len()).collect::<Vec<_>>());
    let group = |g: Group| match g {
        Group::IdTokenClaims => 0,
        Group::Signature => 1,
        Group::Hashes => 2,
        Group::Hybrid => 3,
        Group::Userinfo => 4,
        Group::Discovery => 5,
        Group::AuthorizationResponse => 6,
        Group::Transport => 7,
        Group::Refresh => 8,
        Group::Entra => 9,
    };
    let positions: Vec<usize> = Group::ALL.iter().map(|g| group(*g)).collect();
    assert_eq!(positions, (0..Group::ALL.len()).collect::<Vec<_>>());
}

#[test]
fn setup_and_group_lists_are_complete() {
    for e in catalog() {
        assert!(Setup::ALL.contains(&e.setup), "{}", e.name);
        assert!(Group::ALL.contains(&e.group), "{}", e.name);
        let json = serde_json::to_value(e.setup).unwrap();
        assert_eq!(json, e.setup.as_str());
    }
}

#[test]
fn flow_names_round_trip() {
    for f in FlowKind::ALL {
        assert_eq!(FlowKind::parse(f.as_str()), Some(f));
    }
}

#[test]
fn the_catalog_has_sixty_entries_and_says_why_the_client_may_decide() {
    let all = catalog();
    assert!(all.len() >= 60, "{} entries", all.len());
    for e in all.iter().filter(|e| e.expect == Expect::Either) {
        let note = e.note.unwrap_or_default();
        assert!(
            note.contains('§'),
            "{}: an advisory entry names the spec section that leaves it to the client",
            e.name
        );
    }
}

#[test]
fn the_rotation_note_names_the_grace_period() {
    let rotated = find("key_rotated").expect("key_rotated");
    let grace = format!("{} s", crate::faults::KEY_ROTATION_GRACE_SECS);
    assert!(rotated.note.unwrap_or_default().contains(&grace));
}
