//! The three rule grids of the provider form — user binding (brackets, operators, verified,
//! scope), user creation (with the user type) and role mapping (with the strategy) — as
//! form inputs named `{grid}.{index}.{column}`, read back into the rule types, and rows
//! added or removed by rewriting the submitted form.
//!
//! Pages render from the submitted name/value pairs, not from parsed settings, so a value
//! that cannot be read (an operator `xor`) is shown as typed, beside its error.

use std::collections::BTreeSet;

use super::html::{
    FieldErrors, Look, Submitted, blank_then, checkbox, input_id, plain_options, select, snake,
    text_input,
};
use crate::app::admin_actions::RuleSet;
use crate::users::{
    BindingRow, BindingRules, CreationRow, CreationRules, Op, RoleMapping, RoleRow, RoleStrategy,
    UserField,
};

/// The columns of each grid, in display order, with their headings; checkboxes are the
/// columns in [`CHECKBOX_COLUMNS`].
fn columns(grid: RuleSet) -> &'static [(&'static str, &'static str)] {
    match grid {
        RuleSet::Binding => &[
            ("active", "Active"),
            ("open_brackets", "Brackets ("),
            ("user_field", "User field"),
            ("claim_type", "Claim type"),
            ("verified", "Verified"),
            ("scope", "Scope"),
            ("close_brackets", "Brackets )"),
            ("operator", "Operator"),
        ],
        RuleSet::Creation => &[
            ("active", "Active"),
            ("user_field", "User field"),
            ("claim_type", "Claim type"),
            ("verified", "Verified"),
            ("scope", "Scope"),
        ],
        RuleSet::RoleMapping => &[
            ("active", "Active"),
            ("claim_type", "Claim type"),
            ("scope", "Scope"),
            ("claim_value", "Claim value"),
            ("role_name", "Role name"),
            ("legal_entity", "Legal entity"),
        ],
    }
}

const CHECKBOX_COLUMNS: [&str; 2] = ["active", "verified"];

/// The most rows a rule grid may have.
pub const MAX_ROWS: usize = 50;

/// Every grid, in the form's order.
const GRIDS: [RuleSet; 3] = [RuleSet::Binding, RuleSet::Creation, RuleSet::RoleMapping];

/// The input of a rule set's own field (`enabled`, `user_type`…), named as
/// `provider_form::problem_input` names the place of their errors.
fn own(grid: RuleSet, field: &str) -> String {
    format!("{}.{field}", grid.key())
}

fn input(grid: RuleSet, index: usize, column: &str) -> String {
    format!("{}.{index}.{column}", grid.key())
}

/// Every row index of `grid` in the submitted form, in order.
fn all_row_indexes(form: &Submitted, grid: RuleSet) -> BTreeSet<usize> {
    let prefix = format!("{}.", grid.key());
    form.0
        .iter()
        .filter_map(|(k, _)| {
            let (index, _) = k.strip_prefix(&prefix)?.split_once('.')?;
            index.parse().ok()
        })
        .collect()
}

/// The first [`MAX_ROWS`] row indexes of `grid`, and whether there were more (the rest
/// are neither shown nor read).
fn row_indexes(form: &Submitted, grid: RuleSet) -> (Vec<usize>, bool) {
    let indexes = all_row_indexes(form, grid);
    let too_many = indexes.len() > MAX_ROWS;
    (indexes.into_iter().take(MAX_ROWS).collect(), too_many)
}

/// The form with each grid's rows numbered 0, 1, 2… in their order, so that the n-th row of
/// a message ("row 3") is the input index n−1.
pub(super) fn renumbered(form: Submitted) -> Submitted {
    let mut out: Vec<(String, String)> = Vec::with_capacity(form.0.len());
    let mut maps = Vec::new();
    for grid in GRIDS {
        let indexes: Vec<usize> = all_row_indexes(&form, grid).into_iter().collect();
        maps.push((grid, indexes));
    }
    for (k, v) in form.0 {
        let moved = maps.iter().find_map(|(grid, indexes)| {
            let rest = k.strip_prefix(&format!("{}.", grid.key()))?;
            let (index, column) = rest.split_once('.')?;
            let index: usize = index.parse().ok()?;
            let n = indexes.binary_search(&index).ok()?;
            Some(input(*grid, n, column))
        });
        out.push((moved.unwrap_or(k), v));
    }
    Submitted(out)
}

/// The form with an empty, active row appended to `grid`, unless the grid is full.
fn with_row_added(mut form: Submitted, grid: RuleSet, errors: &mut FieldErrors) -> Submitted {
    let n = all_row_indexes(&form, grid).len();
    if n >= MAX_ROWS {
        errors.add(
            Some(own(grid, "add")),
            format!(
                "{}: expected at most {MAX_ROWS} rows, found {MAX_ROWS} already",
                grid.key()
            ),
        );
        return form;
    }
    form.0.push((input(grid, n, "active"), "on".into()));
    for (column, _) in columns(grid) {
        // The drop-downs start on a choice of theirs, never on a blank one.
        let value = match *column {
            "user_field" => UserField::Email.as_str(),
            "operator" => "and",
            _ => "",
        };
        if !CHECKBOX_COLUMNS.contains(column) {
            form.0.push((input(grid, n, column), value.into()));
        }
    }
    form
}

/// The form without row `index` of `grid`.
fn with_row_removed(form: Submitted, grid: RuleSet, index: usize) -> Submitted {
    let prefix = format!("{}.{index}.", grid.key());
    renumbered(Submitted(
        form.0
            .into_iter()
            .filter(|(k, _)| !k.starts_with(&prefix))
            .collect(),
    ))
}

/// The form with the row change `action` asks for (`add:{grid}`, `remove:{grid}:{index}`)
/// made; the form untouched as the error when `action` is no row change.
pub(super) fn edit_rows(
    form: Submitted,
    action: &str,
    errors: &mut FieldErrors,
) -> Result<Submitted, Submitted> {
    let grid_of = |key: &str| GRIDS.into_iter().find(|g| g.key() == key);
    if let Some(grid) = action.strip_prefix("add:").and_then(grid_of) {
        return Ok(with_row_added(form, grid, errors));
    }
    if let Some((key, index)) = action
        .strip_prefix("remove:")
        .and_then(|rest| rest.split_once(':'))
        && let (Some(grid), Ok(index)) = (grid_of(key), index.parse::<usize>())
    {
        return Ok(with_row_removed(form, grid, index));
    }
    Err(form)
}

/// The grids of stored rules as form inputs.
pub(super) fn pairs_of(
    binding: &BindingRules,
    creation: &CreationRules,
    roles: &RoleMapping,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let flag = |name: String, on: bool, out: &mut Vec<(String, String)>| {
        if on {
            out.push((name, "on".into()));
        }
    };
    flag(own(RuleSet::Binding, "enabled"), binding.enabled, &mut out);
    for (i, r) in binding.rows.iter().enumerate() {
        let g = RuleSet::Binding;
        flag(input(g, i, "active"), r.active, &mut out);
        flag(input(g, i, "verified"), r.verified, &mut out);
        out.extend([
            (input(g, i, "open_brackets"), r.open_brackets.clone()),
            (input(g, i, "user_field"), r.user_field.as_str().into()),
            (input(g, i, "claim_type"), r.claim_type.clone()),
            (input(g, i, "scope"), r.scope.clone()),
            (input(g, i, "close_brackets"), r.close_brackets.clone()),
            (input(g, i, "operator"), snake(r.operator)),
        ]);
    }
    flag(
        own(RuleSet::Creation, "enabled"),
        creation.enabled,
        &mut out,
    );
    out.push((
        own(RuleSet::Creation, "user_type"),
        creation.user_type.clone(),
    ));
    for (i, r) in creation.rows.iter().enumerate() {
        let g = RuleSet::Creation;
        flag(input(g, i, "active"), r.active, &mut out);
        flag(input(g, i, "verified"), r.verified, &mut out);
        out.extend([
            (input(g, i, "user_field"), r.user_field.as_str().into()),
            (input(g, i, "claim_type"), r.claim_type.clone()),
            (input(g, i, "scope"), r.scope.clone()),
        ]);
    }
    flag(
        own(RuleSet::RoleMapping, "roles_from_provider"),
        roles.roles_from_provider,
        &mut out,
    );
    out.push((
        own(RuleSet::RoleMapping, "strategy"),
        roles.strategy.as_str().into(),
    ));
    for (i, r) in roles.rows.iter().enumerate() {
        let g = RuleSet::RoleMapping;
        flag(input(g, i, "active"), r.active, &mut out);
        out.extend([
            (input(g, i, "claim_type"), r.claim_type.clone()),
            (input(g, i, "scope"), r.scope.clone()),
            (input(g, i, "claim_value"), r.claim_value.clone()),
            (input(g, i, "role_name"), r.role_name.clone()),
            (
                input(g, i, "legal_entity"),
                r.legal_entity.clone().unwrap_or_default(),
            ),
        ]);
    }
    out
}

/// A value of one of `options` (matched by [`snake`] name), or an error beside the input.
fn choice<T: Copy + serde::Serialize>(
    form: &Submitted,
    name: &str,
    options: &[T],
    errors: &mut FieldErrors,
) -> Option<T> {
    let value = form.text(name);
    let found = options.iter().copied().find(|o| snake(o) == value);
    if found.is_none() {
        let names: Vec<String> = options.iter().map(snake).collect();
        let column = name.rsplit('.').next().unwrap_or(name);
        errors.add(
            Some(name.to_owned()),
            format!(
                "{column}: expected one of {}, found \"{value}\"",
                names.join(", ")
            ),
        );
    }
    found
}

fn too_many(grid: RuleSet, form: &Submitted, errors: &mut FieldErrors) -> Vec<usize> {
    let (indexes, too_many) = row_indexes(form, grid);
    if too_many {
        errors.add(
            Some(own(grid, "add")),
            format!(
                "{}: expected at most {MAX_ROWS} rows, found more",
                grid.key()
            ),
        );
    }
    indexes
}

/// The three rule sets of the submitted form; values that cannot be read are reported
/// beside their inputs.
pub(super) fn read(
    form: &Submitted,
    errors: &mut FieldErrors,
) -> (BindingRules, CreationRules, RoleMapping) {
    let mut binding = BindingRules {
        enabled: form.checked(&own(RuleSet::Binding, "enabled")),
        rows: Vec::new(),
    };
    for i in too_many(RuleSet::Binding, form, errors) {
        let g = RuleSet::Binding;
        let user_field = choice(form, &input(g, i, "user_field"), &UserField::ALL, errors);
        let operator = choice(form, &input(g, i, "operator"), &[Op::And, Op::Or], errors);
        if let (Some(user_field), Some(operator)) = (user_field, operator) {
            binding.rows.push(BindingRow {
                active: form.checked(&input(g, i, "active")),
                open_brackets: form.text(&input(g, i, "open_brackets")).trim().into(),
                user_field,
                claim_type: form.text(&input(g, i, "claim_type")).trim().into(),
                verified: form.checked(&input(g, i, "verified")),
                scope: form.text(&input(g, i, "scope")).trim().into(),
                close_brackets: form.text(&input(g, i, "close_brackets")).trim().into(),
                operator,
            });
        }
    }
    let mut creation = CreationRules {
        enabled: form.checked(&own(RuleSet::Creation, "enabled")),
        user_type: form
            .text(&own(RuleSet::Creation, "user_type"))
            .trim()
            .into(),
        rows: Vec::new(),
    };
    for i in too_many(RuleSet::Creation, form, errors) {
        let g = RuleSet::Creation;
        if let Some(user_field) = choice(form, &input(g, i, "user_field"), &UserField::ALL, errors)
        {
            creation.rows.push(CreationRow {
                active: form.checked(&input(g, i, "active")),
                user_field,
                claim_type: form.text(&input(g, i, "claim_type")).trim().into(),
                verified: form.checked(&input(g, i, "verified")),
                scope: form.text(&input(g, i, "scope")).trim().into(),
            });
        }
    }
    let strategies = [
        RoleStrategy::ManagedInApplication,
        RoleStrategy::OneRoleForAllLegalEntities,
        RoleStrategy::RolePerLegalEntity,
    ];
    let mut roles = RoleMapping {
        roles_from_provider: form.checked(&own(RuleSet::RoleMapping, "roles_from_provider")),
        strategy: choice(
            form,
            &own(RuleSet::RoleMapping, "strategy"),
            &strategies,
            errors,
        )
        .unwrap_or_default(),
        rows: Vec::new(),
    };
    for i in too_many(RuleSet::RoleMapping, form, errors) {
        let g = RuleSet::RoleMapping;
        roles.rows.push(RoleRow {
            active: form.checked(&input(g, i, "active")),
            claim_type: form.text(&input(g, i, "claim_type")).trim().into(),
            scope: form.text(&input(g, i, "scope")).trim().into(),
            claim_value: form.text(&input(g, i, "claim_value")).trim().into(),
            role_name: form.text(&input(g, i, "role_name")).trim().into(),
            legal_entity: form.optional(&input(g, i, "legal_entity")),
        });
    }
    (binding, creation, roles)
}

/// What the grids offer to pick from, from the directory.
#[derive(Debug, Default)]
pub(super) struct Choices {
    pub user_types: Vec<String>,
    pub roles: Vec<String>,
    /// (id, name)
    pub legal_entities: Vec<(String, String)>,
}

fn cell(
    grid: RuleSet,
    i: usize,
    column: &str,
    heading: &str,
    form: &Submitted,
    choices: &Choices,
    errors: &FieldErrors,
) -> String {
    let name = input(grid, i, column);
    let label = format!("Row {} {}", i + 1, heading.to_lowercase());
    let value = form.text(&name);
    match column {
        "active" | "verified" => checkbox(Look::Cell, &label, &name, form.checked(&name), errors),
        "user_field" => select(
            Look::Cell,
            &label,
            &name,
            &plain_options(UserField::ALL.iter().map(|f| f.as_str())),
            &value,
            errors,
        ),
        "operator" => select(
            Look::Cell,
            &label,
            &name,
            &[("and".into(), "AND".into()), ("or".into(), "OR".into())],
            &value,
            errors,
        ),
        "role_name" => select(
            Look::Cell,
            &label,
            &name,
            &plain_options(choices.roles.iter().map(String::as_str)),
            &value,
            errors,
        ),
        "legal_entity" => {
            let mut options = vec![(String::new(), "(every legal entity)".to_owned())];
            options.extend(
                choices
                    .legal_entities
                    .iter()
                    .map(|(id, name)| (id.clone(), format!("{name} ({id})"))),
            );
            select(Look::Cell, &label, &name, &options, &value, errors)
        }
        _ => text_input(Look::Cell, &label, &name, &value, errors),
    }
}

/// One grid as a table, with its add button and a remove button per row; inactive rows are
/// greyed but kept.
fn table(
    grid: RuleSet,
    caption: &str,
    form: &Submitted,
    choices: &Choices,
    errors: &FieldErrors,
) -> String {
    let cols = columns(grid);
    let head: String = cols
        .iter()
        .map(|(_, h)| format!("<th scope=\"col\">{h}</th>"))
        .collect();
    let mut rows = String::new();
    let (indexes, _) = row_indexes(form, grid);
    for i in indexes {
        let class = if form.checked(&input(grid, i, "active")) {
            ""
        } else {
            " class=\"inactive\""
        };
        let cells: String = cols
            .iter()
            .map(|(c, h)| format!("<td>{}</td>", cell(grid, i, c, h, form, choices, errors)))
            .collect();
        rows.push_str(&format!(
            "<tr{class} id=\"{key}-row-{i}\">{cells}<td><button type=\"submit\" name=\"action\" value=\"remove:{key}:{i}\" aria-label=\"Remove row {n}\">Remove</button></td></tr>\n",
            key = grid.key(),
            n = i + 1
        ));
    }
    if rows.is_empty() {
        rows = format!(
            "<tr><td colspan=\"{}\">No rows.</td></tr>\n",
            cols.len() + 1
        );
    }
    let add = own(grid, "add");
    let (add_attrs, add_errors) = errors.marks(&add);
    format!(
        "<table id=\"{key}-rows\"><caption>{caption}</caption><thead><tr>{head}<th scope=\"col\"><span class=\"vh\">Remove</span></th></tr></thead>\n<tbody>{rows}</tbody></table>\n\
<button type=\"submit\" name=\"action\" value=\"add:{key}\" id=\"{id}\"{add_attrs}>Add row</button>{add_errors}\n",
        key = grid.key(),
        id = input_id(&add),
    )
}

/// The three grids with their own settings, as the form's last sections.
pub(super) fn render(form: &Submitted, choices: &Choices, errors: &FieldErrors) -> String {
    let user_types = blank_then("(none)", &choices.user_types);
    let strategies: Vec<(String, String)> = [
        (
            RoleStrategy::ManagedInApplication,
            "Managed in the application",
        ),
        (
            RoleStrategy::OneRoleForAllLegalEntities,
            "One role for all legal entities",
        ),
        (RoleStrategy::RolePerLegalEntity, "Role per legal entity"),
    ]
    .into_iter()
    .map(|(s, label)| (s.as_str().to_owned(), label.to_owned()))
    .collect();
    format!(
        "<section aria-labelledby=\"binding-heading\"><h2 id=\"binding-heading\">User binding rules</h2>\n\
<p class=\"hint\">On a first sign-in, bind the identity to the one existing user the active rows match. AND binds tighter than OR; brackets group.</p>\n\
{binding_enabled}{binding}</section>\n\
<section aria-labelledby=\"creation-heading\"><h2 id=\"creation-heading\">User creation rules</h2>\n\
<p class=\"hint\">Create an external user from the user type when no user is bound; the rows fill its fields (the first row with a value wins).</p>\n\
{creation_enabled}{user_type}{creation}</section>\n\
<section aria-labelledby=\"role-heading\"><h2 id=\"role-heading\">Role mapping rules</h2>\n\
{from_provider}{strategy}{roles}</section>\n",
        binding_enabled = form.flag(
            "Automatically bind users",
            &own(RuleSet::Binding, "enabled"),
            errors
        ),
        binding = table(
            RuleSet::Binding,
            "Binding conditions",
            form,
            choices,
            errors
        ),
        creation_enabled = form.flag(
            "Automatically add users",
            &own(RuleSet::Creation, "enabled"),
            errors
        ),
        user_type = form.choice(
            "User type (template of created users)",
            &own(RuleSet::Creation, "user_type"),
            &user_types,
            errors
        ),
        creation = table(RuleSet::Creation, "Field mappings", form, choices, errors),
        from_provider = form.flag(
            "User roles from provider settings",
            &own(RuleSet::RoleMapping, "roles_from_provider"),
            errors
        ),
        strategy = form.choice(
            "External role assignment strategy",
            &own(RuleSet::RoleMapping, "strategy"),
            &strategies,
            errors
        ),
        roles = table(RuleSet::RoleMapping, "Role mappings", form, choices, errors),
    )
}
