//! Steps arranging the current provider's user binding, user creation and role mapping
//! rules, as the settings form's tabs show them.

use anyhow::bail;
use serde_json::{Map, Value, json};

use super::args::{StepArgs, column_key, on, ticked};
use crate::scenario::world::ScenarioWorld;

/// How a form column is stored: its settings key and whether it is a check box.
fn column(tab: &str, header: &str) -> anyhow::Result<(&'static str, bool)> {
    let key = column_key(header);
    let found = match key.as_str() {
        "active" => ("active", true),
        "verified" => ("verified", true),
        "opening_brackets" | "open_brackets" | "(" => ("open_brackets", false),
        "closing_brackets" | "close_brackets" | ")" => ("close_brackets", false),
        "user_field" => ("user_field", false),
        "claim_type" => ("claim_type", false),
        "scope" => ("scope", false),
        "operator" => ("operator", false),
        "claim_value" => ("claim_value", false),
        "role_name" | "role" => ("role_name", false),
        "legal_entity" => ("legal_entity", false),
        _ => bail!("expected a column of the {tab} tab, found \"{header}\""),
    };
    Ok(found)
}

/// Reads a data table into settings rows; empty cells are left out (the form's default).
fn rows(tab: &str, a: &StepArgs) -> anyhow::Result<Value> {
    let table = a.table()?;
    let Some((header, body)) = table.split_first() else {
        bail!("expected a header row in the {tab} table, found an empty table");
    };
    let columns = header
        .iter()
        .map(|h| column(tab, h))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for row in body {
        let mut fields = Map::new();
        for ((key, check_box), cell) in columns.iter().zip(row) {
            let cell = cell.trim();
            if *check_box {
                fields.insert((*key).to_owned(), json!(ticked(cell)?));
            } else if *key == "user_field" {
                fields.insert((*key).to_owned(), json!(column_key(cell)));
            } else if *key == "operator" {
                fields.insert((*key).to_owned(), json!(cell.to_ascii_lowercase()));
            } else if !cell.is_empty() {
                fields.insert((*key).to_owned(), json!(cell));
            }
        }
        out.push(Value::Object(fields));
    }
    Ok(Value::Array(out))
}

fn set_rule(w: &mut ScenarioWorld, tab: &str, key: &str, value: Value) -> anyhow::Result<()> {
    let draft = w.current()?;
    if !draft.settings[tab].is_object() {
        draft.settings[tab] = json!({});
    }
    draft.settings[tab][key] = value;
    draft.dirty = true;
    Ok(())
}

/// `automatic binding of users is on`
pub async fn binding(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    set_rule(w, "binding", "enabled", json!(on(a.get(0))))
}

/// `binding rule rows:` with the columns active, opening brackets, user field, claim type,
/// verified, scope, closing brackets, operator.
pub async fn binding_rows(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let rows = rows("user binding rules", &a)?;
    set_rule(w, "binding", "rows", rows)
}

/// `automatic creation of users is on with the user type "employee"`
pub async fn creation(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    set_rule(w, "creation", "enabled", json!(on(a.get(0))))?;
    set_rule(w, "creation", "user_type", json!(a.get(1)))
}

/// `creation rule rows:` with the columns active, user field, claim type, verified, scope.
pub async fn creation_rows(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let rows = rows("user creation rules", &a)?;
    set_rule(w, "creation", "rows", rows)
}

/// `roles from the provider are on with the strategy "one_role_for_all_legal_entities"`
pub async fn roles_from_provider(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    set_rule(
        w,
        "role_mapping",
        "roles_from_provider",
        json!(on(a.get(0))),
    )?;
    // The billing document spells strategies in CamelCase ("RolePerLegalEntity").
    let mut spaced = String::new();
    for c in a.get(1).chars() {
        if c.is_ascii_uppercase() && !spaced.is_empty() {
            spaced.push(' ');
        }
        spaced.push(c);
    }
    let strategy = column_key(&spaced);
    set_rule(w, "role_mapping", "strategy", json!(strategy))
}

/// `role mapping rule rows:` with the columns active, claim type, scope, claim value, role
/// name, legal entity.
pub async fn role_rows(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let rows = rows("role mapping rules", &a)?;
    set_rule(w, "role_mapping", "rows", rows)
}
