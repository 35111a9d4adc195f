-- Provider settings, stored as JSON by the OpenID Connect side; the users side only
-- needs the names (invitations name a provider, renames move bound identities along).

CREATE TABLE providers (
    name     TEXT NOT NULL PRIMARY KEY CHECK (name <> ''),
    settings TEXT NOT NULL CHECK (json_valid(settings))
) STRICT;
