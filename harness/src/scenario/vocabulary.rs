//! The step vocabulary: every step phrase, the keywords it is used with and the function
//! that runs it, in one table. The cucumber step collection, `features/README.md`'s
//! vocabulary check and the failure messages all come from this table.
//!
//! A phrase is plain text with placeholders: `"{name}"` takes any quoted text, `{state}`
//! takes `on` or `off`, `{n}` a number, `{pronoun}` she, he or they, `{whom}` herself,
//! himself or themselves, `{field}`, `{endpoint}` and `{kind}` lowercase words, `{flow}` words and brackets, and any other
//! bare `{name}` any text.

use cucumber::step::{Collection, Context};
use futures::future::LocalBoxFuture;
use regex::Regex;

use super::steps;
use super::steps::args::StepArgs;
use super::world::ScenarioWorld;

/// The keyword a step is used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// Arrangement.
    Given,
    /// Action.
    When,
    /// Check.
    Then,
}

impl Keyword {
    /// As written in feature files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Given => "Given",
            Self::When => "When",
            Self::Then => "Then",
        }
    }
}

/// A step function as cucumber calls it.
pub type StepFn = for<'a> fn(&'a mut ScenarioWorld, Context) -> LocalBoxFuture<'a, ()>;

/// A step body: the world and the step's arguments, an error explaining a failure.
pub type Body =
    for<'a> fn(&'a mut ScenarioWorld, StepArgs) -> LocalBoxFuture<'a, anyhow::Result<()>>;

/// One entry of the vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct StepDef {
    /// The keywords the phrase is used with.
    pub keywords: &'static [Keyword],
    /// The phrase with placeholders.
    pub phrase: &'static str,
    /// Whether the step takes a data table.
    pub table: bool,
    /// The function.
    pub run: StepFn,
}

impl StepDef {
    /// The anchored regular expression the phrase stands for.
    pub fn regex(&self) -> Regex {
        compile(self.phrase)
    }

    /// Whether `text` (a step without its keyword) is this step.
    pub fn matches(&self, keyword: Keyword, text: &str) -> bool {
        self.keywords.contains(&keyword) && self.regex().is_match(text)
    }
}

/// Turns a phrase into its regular expression.
pub fn compile(phrase: &str) -> Regex {
    let mut pattern = String::from("^");
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        let quoted = rest[..open].ends_with('"') && rest[close + 1..].starts_with('"');
        pattern.push_str(&regex::escape(&rest[..open]));
        pattern.push_str(match (&rest[open + 1..close], quoted) {
            (_, true) => "([^\"]*)",
            ("state", false) => "(on|off)",
            ("n", false) => "([0-9]+)",
            ("pronoun", false) => "(she|he|they)",
            ("whom", false) => "(herself|himself|themselves)",
            ("field" | "endpoint" | "kind", false) => "([a-z_ ]+)",
            ("flow", false) => "([A-Za-z_ ()]+)",
            _ => "(.+)",
        });
        rest = &rest[close + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    // The phrases are constants of this module; the vocabulary test compiles every one.
    Regex::new(&pattern).unwrap_or_else(|e| panic!("phrase {phrase:?} is not a pattern: {e}"))
}

/// Runs a step body and turns its error into a failure that shows what led to it.
pub async fn settle(world: &mut ScenarioWorld, step: Context, body: Body) {
    let args = StepArgs::of_step(&step);
    if let Err(e) = body(world, args).await {
        let message = format!("{e:#}\n{}", world.evidence());
        std::panic::panic_any(message);
    }
}

macro_rules! vocabulary {
    ($( [$($kw:ident),+] $phrase:literal $(table $t:tt)? => $f:path ;)*) => {
        /// Every step, in the order `features/README.md` documents them.
        pub fn definitions() -> Vec<StepDef> {
            vec![$(
                StepDef {
                    keywords: &[$(Keyword::$kw),+],
                    phrase: $phrase,
                    table: vocabulary!(@table $($t)?),
                    run: {
                        fn run(w: &mut ScenarioWorld, step: Context) -> LocalBoxFuture<'_, ()> {
                            fn body(w: &mut ScenarioWorld, a: StepArgs) -> LocalBoxFuture<'_, anyhow::Result<()>> {
                                Box::pin($f(w, a))
                            }
                            Box::pin(settle(w, step, body))
                        }
                        run
                    },
                },
            )*]
        }
    };
    (@table) => { false };
    (@table $t:tt) => { true };
}

vocabulary! {
    // The identity provider's users.
    [Given] "the identity provider has a user \"{user}\" with verified email \"{email}\""
        => steps::idp::user_with_verified_email;
    [Given] "the identity provider has a user \"{user}\" with unverified email \"{email}\""
        => steps::idp::user_with_unverified_email;
    [Given] "the identity provider has a user \"{user}\" with the claims:" table(yes)
        => steps::idp::user_with_claims;
    [Given, When] "the identity provider sets the claim \"{claim}\" of \"{user}\" to {value}"
        => steps::idp::set_claim;
    [Given, When] "the identity provider removes the claim \"{claim}\" of \"{user}\""
        => steps::idp::remove_claim;
    [Given] "the identity provider signs the relying party's ID tokens with {alg}"
        => steps::idp::signs_with;
    [Given] "the identity provider misbehaves with \"{fault}\""
        => steps::idp::misbehaves;
    [Given] "the identity provider serves https" => steps::idp::serves_https;
    [Given] "the sign-ins at \"{provider}\" come from \"{client}\", another client of the same Google project"
        => steps::idp::from_project_sibling;
    // Provider settings.
    [Given] "provider \"{provider}\" uses the {flow}" => steps::provider::uses_flow;
    [Given] "provider \"{provider}\" uses the response type \"{response_type}\""
        => steps::provider::uses_response_type;
    [Given] "provider \"{provider}\" is a Microsoft Entra ID tenant"
        => steps::provider::is_entra;
    [Given] "provider \"{provider}\" is Microsoft Entra ID's multi-tenant endpoint for its own tenant only"
        => steps::provider::entra_common;
    [Given] "provider \"{provider}\" is {article} {flavour} provider"
        => steps::provider::is_flavoured;
    [Given] "provider \"{provider}\" is {article} {flavour} provider without its flavour in the settings"
        => steps::provider::is_flavoured_unnamed;
    [Given] "provider \"{provider}\" accepts \"{clients}\" as authorized parties"
        => steps::provider::authorized_parties;
    [Given] "provider \"{provider}\" trusts xms_edov for email verification: {state}"
        => steps::provider::trusts_edov;
    [Given] "provider \"{provider}\" accepts the signing algorithms \"{algs}\""
        => steps::provider::algorithms;
    [Given] "provider \"{provider}\" asks for offline access" => steps::provider::offline_access;
    [Given] "provider \"{provider}\" is inactive" => steps::provider::inactive;
    [Given] "provider \"{provider}\" has no client secret" => steps::provider::no_secret;
    [Given] "provider \"{provider}\" shows the icon \"{url}\"" => steps::provider::icon;
    [Given] "provider \"{provider}\" identifies users by the claim \"{claim}\""
        => steps::provider::identity_claim;
    [Given] "provider \"{provider}\" requests the identity scopes \"{scopes}\""
        => steps::provider::identity_scopes;
    [Given] "provider \"{provider}\" has the issuer \"{issuer}\""
        => steps::provider::issuer;
    [Given, When] "the administrator sets the {endpoint} endpoint of \"{provider}\" to \"{url}\""
        => steps::provider::endpoint;
    [When] "the administrator saves provider \"{provider}\"" => steps::provider::save;
    [When] "the administrator saves provider \"{provider}\" without autoconfiguration"
        => steps::provider::save_as_typed;
    [When] "the administrator renames provider \"{provider}\" to \"{name}\""
        => steps::provider::rename;
    [When] "the administrator validates provider \"{provider}\"" => steps::provider::validate;
    [Then] "the settings are saved" => steps::provider::saved;
    [Then] "the stored settings of \"{provider}\" name the flavour \"{flavour}\""
        => steps::provider::stored_flavour;
    [Then] "the settings are refused because \"{text}\"" => steps::provider::refused;
    [Then] "the sign-in page offers \"{provider}\"" => steps::provider::offered;
    [Then] "the sign-in page does not offer \"{provider}\"" => steps::provider::not_offered;
    [Then] "the sign-in page shows the icon \"{url}\" beside \"{provider}\""
        => steps::provider::offered_with_icon;
    [Then] "the redirect URI to register at the provider is the application's callback"
        => steps::provider::redirect_uri;
    [Then] "the provider metadata of \"{provider}\" shows its issuer and endpoints"
        => steps::provider::metadata;
    [Then] "no problem concerns the {field}" => steps::provider::no_problem_with;
    [Then] "autoconfiguration fills the endpoints of \"{provider}\" from the provider's metadata"
        => steps::provider::autoconfigured;
    [Then] "validation reports \"{code}\"" => steps::provider::validation_reports;
    [Then] "validation reports no problem" => steps::provider::validation_clean;
    // User rules.
    [Given] "automatic binding of users is {state}" => steps::rules::binding;
    [Given] "binding rule rows:" table(yes) => steps::rules::binding_rows;
    [Given] "automatic creation of users is {state} with the user type \"{user_type}\""
        => steps::rules::creation;
    [Given] "creation rule rows:" table(yes) => steps::rules::creation_rows;
    [Given] "roles from the provider are {state} with the strategy \"{strategy}\""
        => steps::rules::roles_from_provider;
    [Given] "role mapping rule rows:" table(yes) => steps::rules::role_rows;
    // The application's directory.
    [Given] "the application has the roles \"{roles}\"" => steps::directory::roles;
    [Given] "the application has the legal entities \"{entities}\""
        => steps::directory::legal_entities;
    [Given] "the application has a user type \"{name}\" allowing \"{allowed}\" with default roles \"{defaults}\""
        => steps::directory::user_type;
    [Given] "the application has the internal users:" table(yes)
        => steps::directory::internal_users;
    [Given, When] "the administrator invites \"{email}\" as an external user of type \"{user_type}\" with external id \"{external_id}\" at \"{provider}\""
        => steps::directory::invite;
    [When] "the administrator invites \"{email}\" of type \"{user_type}\" with external id \"{external_id}\" at \"{provider}\" with the roles \"{roles}\" in \"{entity}\""
        => steps::directory::invite_with_roles;
    [When] "the administrator changes the {field} of \"{user}\" to \"{value}\""
        => steps::directory::edit_field;
    [When] "the administrator gives \"{user}\" the roles \"{roles}\" in \"{entity}\""
        => steps::directory::edit_roles;
    [Then] "the change is accepted" => steps::directory::accepted;
    [Then] "the change is refused because the {field} cannot be edited"
        => steps::directory::not_editable;
    [Then] "the invitation is refused with \"{code}\"" => steps::directory::invitation_refused;
    [Then] "the roles of \"{username}\" are {access}" => steps::directory::roles_access;
    // Signing in and out.
    [Given, When] "\"{person}\" signs in through \"{provider}\"" => steps::signin::signs_in;
    [When] "\"{person}\" signs in through \"{provider}\" with max_age {n}"
        => steps::signin::signs_in_with_max_age;
    [When] "\"{person}\" signs in through \"{provider}\" on the provider's login page"
        => steps::signin::signs_in_on_login_page;
    [When] "\"{person}\" opens the sign-in response \"{other}\" started through \"{provider}\""
        => steps::signin::opens_foreign_response;
    [Given, When] "{pronoun} signs out of the application" => steps::signin::signs_out;
    [When] "{pronoun} signs in through \"{provider}\" again without naming {whom}"
        => steps::signin::signs_in_again_unnamed;
    [When] "{pronoun} refreshes the session" => steps::signin::refreshes;
    [When] "{pronoun} delivers the same authorization response again"
        => steps::signin::delivers_again;
    // Outcomes.
    [Then] "{pronoun} is signed in" => steps::outcome::signed_in;
    [Then] "{pronoun} is signed in as \"{username}\"" => steps::outcome::signed_in_as;
    [Then] "{pronoun} is bound to the existing user \"{username}\"" => steps::outcome::bound;
    [Then] "{pronoun} is signed in as the new external user \"{username}\""
        => steps::outcome::created;
    [Then] "{pronoun} is signed in as the invited user \"{username}\""
        => steps::outcome::invited;
    [Then] "{pronoun} is signed in without seeing the provider's login page"
        => steps::outcome::no_login_page;
    [Then] "{pronoun} is no longer signed in to the application" => steps::outcome::signed_out;
    [Then] "{pronoun} is still signed in at the identity provider"
        => steps::outcome::idp_session_kept;
    [Then] "the sign-in is refused with \"{code}\"" => steps::outcome::refused;
    [Then] "the session refresh is refused with \"{code}\"" => steps::outcome::refused;
    [Then] "nothing is stored" => steps::outcome::nothing_stored;
    [Then] "the relying party did not call the provider's {endpoint} endpoint"
        => steps::outcome::endpoint_not_called;
    [Then] "the application has {n} users" => steps::outcome::user_count;
    [Then] "the user \"{username}\" is an {kind} user" => steps::outcome::kind;
    [Then] "the user \"{username}\" is of type \"{user_type}\"" => steps::outcome::user_type;
    [Then] "the user \"{username}\" has the {field} \"{value}\"" => steps::outcome::field;
    [Then] "the user \"{username}\" has an empty {field}" => steps::outcome::no_field;
    [Then] "the user \"{username}\" has the roles \"{roles}\" in \"{entity}\""
        => steps::outcome::roles_in;
    [Then] "the user \"{username}\" has no roles" => steps::outcome::no_roles;
    [Then] "the role \"{role}\" was dropped with the reason \"{reason}\"" => steps::outcome::dropped;
}

/// The cucumber step collection of the vocabulary.
pub fn collection() -> Collection<ScenarioWorld> {
    let mut c = Collection::new();
    for def in definitions() {
        for kw in def.keywords {
            c = match kw {
                Keyword::Given => c.given(None, def.regex(), def.run),
                Keyword::When => c.when(None, def.regex(), def.run),
                Keyword::Then => c.then(None, def.regex(), def.run),
            };
        }
    }
    c
}
