"""The clinic database's schema (PostgreSQL, issue 17): the desks' record tables, one ordered list of migrations.

Every record table has the local SQLite table's name and columns (storage.schema) plus `desk`, the name of the desk
that recorded the row, and the key (desk, id): a row replicated twice is refused, so replication can be retried
safely. `samples` has no id column locally; here `id` is its local rowid, for the same key.

Least privilege is the server's: desks connect as members of DESK_GROUP, which may INSERT and SELECT the record
tables and nothing else (no UPDATE, DELETE or TRUNCATE): the clinic record is append-only whatever a desk's program
does. The migrator is whoever runs `infusion-monitor clinic-db init` (the database's owner); the tables are theirs.

Add a migration by appending (next version, script); never edit a released one. Versions applied are rows of
`schema_version`; a database newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

DESK_GROUP = "monitor_desk"

RECORD_TABLES = (
    "sessions",
    "samples",
    "link_events",
    "device_status",
    "entries",
    "audit",
    "alarm_events",
    "patients",
    "courses",
    "quarantine",
)

# Issue 18's access log (v5): a record table added later, with its own grants and ownership trigger in v5.
ACCESS_LOG_TABLES = ("access_log",)

# Issue 18 point 9's record chain (v8): the digests of the desk's other record rows, keyed and linked.
CHAIN_TABLES = ("record_chain",)

# Issue 21's other values (v9, local migration 18): the numerics no canonical parameter maps, kept like the samples.
OTHER_VALUES_TABLES = ("other_values",)

# Every table a desk ships (storage.replicator): the record tables, and the log of later session changes (v2).
REPLICATED_TABLES = (
    *RECORD_TABLES, "session_changes", *ACCESS_LOG_TABLES, "settings_changes", "account_events", *CHAIN_TABLES,
    *OTHER_VALUES_TABLES,
)
# local_identity: the local database's own identity; on the hub, `desks` holds it. accounts: with a clinic database
# the local table is the desk's copy of the clinic's accounts (v7, pulled by app.clinic_accounts) plus the desk's own
# wrong-PIN lock state; the changes themselves are written on the hub, never shipped from a desk. account_events
# (wrong PINs, lockouts, refusals at a desk) are shipped like the record.
# record_chain_start: where the desk's chain began (its own bookkeeping, keyed by table name, not by id; the hub checks
# the chain's links, which do not need it).
LOCAL_ONLY_TABLES = ("local_identity", "accounts", "record_chain_start")
# ehr_registrations (local migration 17): the ADT messages the EHR sent this desk (--hl7-in); what ships is the patient
# a nurse registers from one (patients), not the message.
LOCAL_ONLY_TABLES += ("ehr_registrations",)
# wave_blocks (local migration 19, issue 22): the full-disclosure waveforms stay on the desk that recorded them. They
# are ~3 MB per chair-hour of database (benchmarks/wave_storage.py), ~70 MB a day for 8 chairs, in rows the hub's
# readers (remote cards, clinic reports) never show, and the desk's backup keeps them; shipping them would hold the
# record rows queued behind them on a slow link. A hub record's review and PDF say the waves are at the desk.
LOCAL_ONLY_TABLES += ("wave_blocks",)

_RECORD_TABLES_V1 = """
CREATE TABLE sessions (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    ended_at DOUBLE PRECISION,
    source TEXT NOT NULL,
    protocol TEXT NOT NULL,
    capture_path TEXT,
    note TEXT,
    timebase TEXT NOT NULL DEFAULT 'host',
    course_id BIGINT,
    chair TEXT,
    discharged_at DOUBLE PRECISION,
    discharged_by TEXT,
    PRIMARY KEY (desk, id)
);
CREATE TABLE samples (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,                     -- the local rowid
    session_id BIGINT NOT NULL,
    param TEXT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    host_t DOUBLE PRECISION NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (desk, id)
);
CREATE INDEX samples_by_param_time ON samples (desk, session_id, param, t);
CREATE TABLE link_events (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (desk, id)
);
CREATE TABLE device_status (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    host_t DOUBLE PRECISION NOT NULL,
    conditions TEXT NOT NULL,
    unavailable TEXT NOT NULL,
    PRIMARY KEY (desk, id)
);
CREATE TABLE entries (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    recorded_at DOUBLE PRECISION NOT NULL,
    initials TEXT NOT NULL,
    payload TEXT NOT NULL,
    action TEXT NOT NULL DEFAULT 'create',
    target_id BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (desk, id)
);
CREATE TABLE audit (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    entry_id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    what TEXT NOT NULL,
    previous TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (desk, id)
);
CREATE TABLE alarm_events (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    action TEXT NOT NULL,
    key TEXT NOT NULL,
    message TEXT NOT NULL,
    priority TEXT,
    category TEXT,
    value DOUBLE PRECISION,
    limit_value DOUBLE PRECISION,
    who TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (desk, id)
);
CREATE TABLE patients (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    mrn TEXT NOT NULL,                      -- clinic-wide uniqueness is point 3's (offline conflicts), not yet here
    dob TEXT NOT NULL,
    weight_kg DOUBLE PRECISION NOT NULL,
    allergies TEXT NOT NULL DEFAULT '',
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (desk, id)
);
CREATE TABLE courses (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (desk, id)
);
CREATE TABLE quarantine (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    session_id BIGINT,
    target TEXT NOT NULL,
    row TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (desk, id)
);
"""

# The desk group: append-only by the server's permissions. REVOKE first so a grant made by hand is taken back.
_DESK_GRANTS_V1 = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DESK_GROUP}') THEN
        CREATE ROLE {DESK_GROUP} NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA public TO {DESK_GROUP};
REVOKE ALL ON {", ".join(RECORD_TABLES)}, schema_version FROM {DESK_GROUP}, PUBLIC;
GRANT INSERT, SELECT ON {", ".join(RECORD_TABLES)} TO {DESK_GROUP};
GRANT SELECT ON schema_version TO {DESK_GROUP};
"""

# Replication (storage.replicator): which local database each desk name belongs to — a second database claiming a
# desk's name is refused, never merged (its rows would meet the first one's under the same keys); the log of later
# session changes (local migration 9); and the only changes a session row may get after its insert, as the local
# program makes them: its end, its discharge (once, final) and its course. The desk group may UPDATE just those
# columns, and the trigger refuses anything else, whoever asks (an end or a discharge once set never changes).
_REPLICATION_V2 = f"""
CREATE TABLE desks (
    desk TEXT PRIMARY KEY,
    database_uid TEXT NOT NULL UNIQUE,      -- local_identity.uid of the desk's SQLite database
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE session_changes (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    PRIMARY KEY (desk, id)
);
CREATE FUNCTION sessions_allowed_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.desk, NEW.id, NEW.started_at, NEW.source, NEW.protocol, NEW.capture_path, NEW.note, NEW.timebase,
        NEW.chair) IS DISTINCT FROM (OLD.desk, OLD.id, OLD.started_at, OLD.source, OLD.protocol, OLD.capture_path,
        OLD.note, OLD.timebase, OLD.chair) THEN
        RAISE EXCEPTION 'session %:% may change only its end, discharge and course', OLD.desk, OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.ended_at IS NOT NULL AND NEW.ended_at IS DISTINCT FROM OLD.ended_at THEN
        RAISE EXCEPTION 'session %:% has ended: its end is not changed', OLD.desk, OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.discharged_at IS NOT NULL AND (NEW.discharged_at, NEW.discharged_by)
        IS DISTINCT FROM (OLD.discharged_at, OLD.discharged_by) THEN
        RAISE EXCEPTION 'session %:% is discharged: the discharge is final', OLD.desk, OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER sessions_allowed_change BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_allowed_change();
REVOKE ALL ON desks, session_changes FROM {DESK_GROUP}, PUBLIC;
GRANT INSERT, SELECT ON desks, session_changes TO {DESK_GROUP};
GRANT UPDATE (ended_at, discharged_at, discharged_by, course_id) ON sessions TO {DESK_GROUP};
"""

# Migration 3 (issue 17 point 3): one patient list for the clinic. `uid` is the clinic-wide identity of a patient
# or course (local migration 10): a desk's copy of another desk's registration keeps its uid, so the hub holds one
# row per desk that uses it. A row shipped without one (before local migration 10) is its own identity.
# The rule for an MRN registered more than once (offline, at two desks): nothing is merged or changed; the earliest
# registration (created_at, then desk, then id) is the clinic's, every later one is listed in patient_conflicts
# with the fields that differ, to be resolved in the EHR / by a correction (a new attributed row).
_CLINIC_PATIENTS_V3 = f"""
ALTER TABLE patients ADD COLUMN uid TEXT;
ALTER TABLE courses ADD COLUMN uid TEXT;
CREATE INDEX patients_by_mrn ON patients (mrn);
CREATE INDEX patients_by_uid ON patients (uid);
CREATE INDEX courses_by_uid ON courses (uid);
CREATE INDEX courses_by_patient ON courses (desk, patient_id);
CREATE INDEX sessions_by_course ON sessions (desk, course_id);
-- One row per clinic-wide patient: its registration (the first row of its uid; later rows are desks' copies),
-- ranked within its MRN (1 = the clinic's registration).
CREATE VIEW patient_registrations AS
WITH first AS (
    SELECT DISTINCT ON (coalesce(uid, desk || ':' || id))
        coalesce(uid, desk || ':' || id) AS uid, desk, id, mrn, name, dob, weight_kg, allergies, created_at
    FROM patients ORDER BY coalesce(uid, desk || ':' || id), created_at, desk, id
)
SELECT *, row_number() OVER (PARTITION BY mrn ORDER BY created_at, desk, id) AS rank FROM first;
-- Every later registration of an MRN beside the clinic's, with the fields that differ (none: the same details).
CREATE VIEW patient_conflicts AS
SELECT o.mrn, o.uid, o.desk, o.id, o.name, o.dob, o.weight_kg, o.allergies, o.created_at,
    c.uid AS clinic_uid, c.desk AS clinic_desk, c.id AS clinic_id, c.name AS clinic_name, c.dob AS clinic_dob,
    c.weight_kg AS clinic_weight_kg, c.allergies AS clinic_allergies, c.created_at AS clinic_created_at,
    array_remove(ARRAY[
        CASE WHEN o.name IS DISTINCT FROM c.name THEN 'name' END,
        CASE WHEN o.dob IS DISTINCT FROM c.dob THEN 'date of birth' END,
        CASE WHEN o.weight_kg IS DISTINCT FROM c.weight_kg THEN 'weight' END,
        CASE WHEN o.allergies IS DISTINCT FROM c.allergies THEN 'allergies' END
    ], NULL) AS differs
FROM patient_registrations o JOIN patient_registrations c ON c.mrn = o.mrn AND c.rank = 1
WHERE o.rank > 1;
-- One row per clinic-wide course (its first row), with its patient's clinic-wide uid.
CREATE VIEW clinic_courses AS
SELECT DISTINCT ON (coalesce(c.uid, c.desk || ':' || c.id))
    coalesce(c.uid, c.desk || ':' || c.id) AS uid, coalesce(p.uid, p.desk || ':' || p.id) AS patient_uid,
    c.title, c.created_at, c.desk, c.id
FROM courses c JOIN patients p ON p.desk = c.desk AND p.id = c.patient_id
ORDER BY coalesce(c.uid, c.desk || ':' || c.id), c.created_at, c.desk, c.id;
-- Which sessions, of any desk, belong to a clinic-wide course.
CREATE VIEW course_sessions AS
SELECT coalesce(c.uid, c.desk || ':' || c.id) AS course_uid, s.desk, s.id AS session_id, s.started_at
FROM sessions s JOIN courses c ON c.desk = s.desk AND c.id = s.course_id;
GRANT SELECT ON patient_registrations, patient_conflicts, clinic_courses, course_sessions TO {DESK_GROUP};
"""

# The HL7 outbox (local migration 16): this desk's delivery to the EHR (its messages, work list and delivery
# history) stays on the desk; the record the messages are made from ships.
LOCAL_ONLY_TABLES += ("hl7_outbox", "hl7_pending", "hl7_deliveries")

# Migration 4: a desk writes only under its own name. The login role that registers a desk name (`desks.role`, set
# by the server to whoever inserts the row) is the only role that may insert that desk's rows or change its sessions:
# checked by the server for every statement (COPY included, which row-level security would refuse), so a desk's
# program -- or anyone holding its password -- cannot write into another desk's record. Reading stays open to every
# role with SELECT (the clinic record is one). Desks registered before this migration have no role (NULL): any
# role may still write them until IT names theirs (as the owner: UPDATE desks SET role = '...' WHERE desk = '...').
_ROW_OWNERSHIP_TABLES = (*RECORD_TABLES, "session_changes")
_OWN_DESK_V4 = """
ALTER TABLE desks ADD COLUMN role NAME;
CREATE FUNCTION desks_registered_by_current_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.role := current_user;
    RETURN NEW;
END $$;
CREATE TRIGGER desks_registered_by_current_user BEFORE INSERT ON desks
    FOR EACH ROW EXECUTE FUNCTION desks_registered_by_current_user();
CREATE FUNCTION rows_of_own_desk() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    foreign_desk TEXT;
BEGIN
    SELECT n.desk INTO foreign_desk FROM (SELECT DISTINCT desk FROM new_rows) n
    WHERE NOT EXISTS (SELECT 1 FROM desks d WHERE d.desk = n.desk AND (d.role IS NULL OR d.role = current_user))
    LIMIT 1;
    IF foreign_desk IS NOT NULL THEN
        RAISE EXCEPTION 'role % may not write rows of desk % into %', current_user, foreign_desk, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER rows_of_own_desk AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
"""
    for table in _ROW_OWNERSHIP_TABLES
) + """
CREATE TRIGGER changes_of_own_desk AFTER UPDATE ON sessions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
"""

# Migration 5 (issue 18): the desks' access logs (local migration 12): who opened, printed or exported which
# record. Chained with each desk's own key, which the hub does not hold: it keeps the rows and their links.
_ACCESS_LOG_V5 = f"""
CREATE TABLE access_log (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (desk, id)
);
REVOKE ALL ON access_log FROM {DESK_GROUP}, PUBLIC;
GRANT INSERT, SELECT ON access_log TO {DESK_GROUP};
CREATE TRIGGER rows_of_own_desk AFTER INSERT ON access_log REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
"""

# Who changed a desk's settings (issue 18 point 9, local migration 13): which clinic.json / station.json an
# administrator installed (its sha256), when. A record table like the others: insert and read, of its own desk.
_SETTINGS_CHANGES_V6 = f"""
CREATE TABLE settings_changes (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    by_initials TEXT NOT NULL,
    what TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (desk, id)
);
REVOKE ALL ON settings_changes FROM {DESK_GROUP}, PUBLIC;
GRANT INSERT, SELECT ON settings_changes TO {DESK_GROUP};
CREATE TRIGGER rows_of_own_desk AFTER INSERT ON settings_changes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
"""

# Migration 7 (issue 18): the clinic's staff accounts. `accounts` is append-only: each row is one change (added,
# disabled, secret reset) made at a desk (its desk column, checked by rows_of_own_desk) and the account's whole state
# after it; the current state is the latest row of its initials (view clinic_accounts). Initials are unique in the
# clinic: a change takes CLINIC_ACCOUNTS_LOCK and checks against the current state (app.clinic_accounts).
# account_events are the desks' own (wrong PINs, lockouts), shipped. The PIN pepper (hashes are
# Argon2id(HMAC(pepper, secret))) is the clinic's, so a hash made at one desk verifies at another: one random key,
# seeded by `clinic-db init`, in a schema only the desk group may use -- not the reader role (its SELECT is on
# `public`), so a reader who can read the hashes cannot try PINs against them.
CLINIC_ACCOUNTS_LOCK = "monitor_accounts"
PEPPER_SCHEMA = "clinic_secret"
_ACCOUNTS_V7 = f"""
CREATE TABLE accounts (
    desk TEXT NOT NULL,
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    at DOUBLE PRECISION NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('added', 'disabled', 'secret reset')),
    initials TEXT NOT NULL CHECK (initials = upper(initials)),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('nurse', 'charge', 'admin', 'service')),
    active BOOLEAN NOT NULL,
    secret_hash TEXT NOT NULL,
    by_initials TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (desk, id)
);
CREATE INDEX accounts_by_initials ON accounts (initials, id);
CREATE VIEW clinic_accounts AS
SELECT DISTINCT ON (initials) id AS version, initials, name, role, active, secret_hash
FROM accounts ORDER BY initials, id DESC;
CREATE TABLE account_events (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    account_id BIGINT,                      -- the desk's local id of the account
    initials TEXT NOT NULL,
    event TEXT NOT NULL,
    by_initials TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (desk, id)
);
REVOKE ALL ON accounts, account_events FROM {DESK_GROUP}, PUBLIC;
GRANT INSERT, SELECT ON accounts, account_events TO {DESK_GROUP};
GRANT SELECT ON clinic_accounts TO {DESK_GROUP};
CREATE TRIGGER rows_of_own_desk AFTER INSERT ON accounts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
CREATE TRIGGER rows_of_own_desk AFTER INSERT ON account_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
CREATE SCHEMA {PEPPER_SCHEMA};
REVOKE ALL ON SCHEMA {PEPPER_SCHEMA} FROM PUBLIC;
GRANT USAGE ON SCHEMA {PEPPER_SCHEMA} TO {DESK_GROUP};
CREATE TABLE {PEPPER_SCHEMA}.pin_pepper (
    one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    pepper BYTEA NOT NULL CHECK (length(pepper) = 32)
);
REVOKE ALL ON {PEPPER_SCHEMA}.pin_pepper FROM PUBLIC;
GRANT SELECT ON {PEPPER_SCHEMA}.pin_pepper TO {DESK_GROUP};
"""


def _seed_pepper(conn: psycopg.Connection) -> None:
    """The clinic's PIN pepper, from the operating system's random source, once (never replaced: every hash would
    stop verifying)."""
    import secrets

    sql = f"INSERT INTO {PEPPER_SCHEMA}.pin_pepper (pepper) VALUES (%s) ON CONFLICT DO NOTHING"
    conn.execute(sql, (secrets.token_bytes(32),))


_AFTER_MIGRATION = {7: _seed_pepper}  # a step a script cannot take (a secret from this host's random source)


def desk_table_guards(table: str) -> str:
    """What every record table added from v8 on gets: the desk group may insert and read it (never change it), and
    only rows of its own desk (v4's ownership trigger). v5 and v6 wrote this out by hand (applied history)."""
    return f"""
REVOKE ALL ON {table} FROM {DESK_GROUP}, PUBLIC;
GRANT INSERT, SELECT ON {table} TO {DESK_GROUP};
CREATE TRIGGER rows_of_own_desk AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rows_of_own_desk();
"""


# Migration 8 (issue 18 point 9, local migration 14): each desk's record chain. Keyed with the desk's own key,
# which the hub does not hold: it keeps the rows and checks their links (`verify` on the clinic database).
_RECORD_CHAIN_V8 = """
CREATE TABLE record_chain (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    covers TEXT NOT NULL,
    row_id BIGINT NOT NULL,
    digest TEXT NOT NULL,
    sample_count BIGINT,
    last_rowid BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (desk, id)
);
""" + desk_table_guards("record_chain")

# Migration 9 (issue 21 point 2, local migration 18): the numerics a monitor sent under ids no canonical parameter
# maps (an IntelliVue's perfusion index, PVC count, ...), as the desk stored them: part of the record, like samples.
_OTHER_VALUES_V9 = """
CREATE TABLE other_values (
    desk TEXT NOT NULL,
    id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    code INTEGER NOT NULL,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    host_t DOUBLE PRECISION NOT NULL,
    value DOUBLE PRECISION,
    state INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (desk, id)
);
CREATE INDEX other_values_by_code_time ON other_values (desk, session_id, code, t);
""" + desk_table_guards("other_values")

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, _RECORD_TABLES_V1 + _DESK_GRANTS_V1),
    (2, _REPLICATION_V2),
    (3, _CLINIC_PATIENTS_V3),
    (4, _OWN_DESK_V4),
    (5, _ACCESS_LOG_V5),
    (6, _SETTINGS_CHANGES_V6),
    (7, _ACCOUNTS_V7),
    (8, _RECORD_CHAIN_V8),
    (9, _OTHER_VALUES_V9),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


class HubSchemaTooNewError(RuntimeError):
    pass


@dataclass
class InitReport:
    """What `clinic-db init` did, for its printout."""

    before: int
    after: int
    applied: list[int] = field(default_factory=list)
    desk_role: str | None = None
    desk_role_created: bool = False


def current_version(conn: psycopg.Connection) -> int:
    """The highest migration applied (0 for an empty database)."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(conn: psycopg.Connection) -> InitReport:
    """Bring the clinic database to SCHEMA_VERSION, each migration all-or-nothing; a second run does nothing.

    Concurrent inits are serialised by an exclusive lock on schema_version."""
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    before = current_version(conn)
    report = InitReport(before=before, after=before)
    if before > SCHEMA_VERSION:
        raise HubSchemaTooNewError(
            f"the clinic database has schema version {before}, newer than this program's {SCHEMA_VERSION}: "
            "use the newer program"
        )
    for version, script in MIGRATIONS:
        with conn.transaction():
            conn.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
            if current_version(conn) >= version:
                continue  # another init applied it meanwhile
            conn.execute(script)
            if version in _AFTER_MIGRATION:
                _AFTER_MIGRATION[version](conn)
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
        report.applied.append(version)
        report.after = version
    return report


def ensure_desk_role(conn: psycopg.Connection, name: str, password: str | None) -> bool:
    """A login role for one desk, member of DESK_GROUP; its password set when given. True if it was created."""
    from psycopg import sql

    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is not None
        role = sql.Identifier(name)
        if not exists:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        if password is not None:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password)))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(DESK_GROUP), role))
    return not exists


def init(dsn: str, desk_role: str | None = None, desk_password: str | None = None) -> InitReport:
    """`clinic-db init`: migrate, then the desk's login role if one is named."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        report = migrate(conn)
        if desk_role:
            report.desk_role = desk_role
            report.desk_role_created = ensure_desk_role(conn, desk_role, desk_password)
    return report
