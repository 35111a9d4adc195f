//! The endpoints each tenant serves below its issuer — discovery and JWK Set, authorization,
//! login page, token, userinfo, end session — with what they share: parameter parsing, the
//! OAuth error shapes and the few HTML pages a browser sees.

pub(crate) mod authorization_response;
pub(crate) mod authorize;
pub(crate) mod delivery;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod form;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod pages;
pub(crate) mod request;
pub(crate) mod token;
pub(crate) mod userinfo;
