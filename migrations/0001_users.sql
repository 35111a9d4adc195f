-- Users side of the relying party: legal entities, roles, user type templates,
-- users with their optional identity at one provider, and role assignments.

CREATE TABLE legal_entities (
    id   TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    name TEXT NOT NULL
) STRICT;

CREATE TABLE roles (
    name TEXT NOT NULL PRIMARY KEY CHECK (name <> '')
) STRICT;

CREATE TABLE user_types (
    name TEXT NOT NULL PRIMARY KEY CHECK (name <> '')
) STRICT;

-- Every row is an allowed role of the type; is_default = 1 also makes it a default role,
-- so default roles are always a subset of the allowed roles.
CREATE TABLE user_type_roles (
    user_type  TEXT    NOT NULL REFERENCES user_types (name) ON DELETE CASCADE,
    role       TEXT    NOT NULL REFERENCES roles (name),
    is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    PRIMARY KEY (user_type, role)
) STRICT;

-- kind = 'external' exactly when the user has an identity (provider, external_id);
-- only external users can be pending invitations.
CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    username     TEXT    NOT NULL COLLATE NOCASE UNIQUE CHECK (username <> ''),
    kind         TEXT    NOT NULL CHECK (kind IN ('internal', 'external')),
    user_type    TEXT    NOT NULL REFERENCES user_types (name),
    email        TEXT,
    phone        TEXT,
    first_name   TEXT,
    last_name    TEXT,
    display_name TEXT,
    provider     TEXT,
    external_id  TEXT,
    invited      INTEGER NOT NULL DEFAULT 0 CHECK (invited IN (0, 1)),
    CHECK ((provider IS NULL) = (external_id IS NULL)),
    CHECK ((kind = 'external') = (provider IS NOT NULL)),
    CHECK (invited = 0 OR kind = 'external'),
    UNIQUE (provider, external_id)
) STRICT;

CREATE TABLE user_roles (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    legal_entity TEXT    NOT NULL REFERENCES legal_entities (id),
    role         TEXT    NOT NULL REFERENCES roles (name),
    PRIMARY KEY (user_id, legal_entity, role)
) STRICT;
