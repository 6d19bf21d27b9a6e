"""The database schema: one ordered list of forward migrations, tracked in PRAGMA user_version.

Add a migration by appending (next version, script); never edit a released one. A database newer than this
code is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

from monitor.storage.append_only import append_only_sql

# Local migration 14 (issue 18 point 9): the record chain (storage.record_chain). Each chained row names the row it
# covers (`covers`: a table, or 'session_samples' for a digest of one session's samples; `row_id`: its id, the
# session's for samples) and the sha256 of that row's content, keyed and linked like the access log. The rows are
# written by the program's own connections (temporary triggers, storage.record_chain.install) in the transaction of
# the row they cover. record_chain_start: where each covered table stood when the chain began (older rows are
# counted as unchained, not failed).
_RECORD_CHAIN_V14 = (
    """
        CREATE TABLE record_chain (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,                  -- when it was chained (Unix s)
            covers TEXT NOT NULL,              -- the table of the covered row, or 'session_samples'
            row_id INTEGER NOT NULL,           -- the covered row's id (session_samples: the session's)
            digest TEXT NOT NULL,              -- sha256 of the covered content (storage.record_chain)
            sample_count INTEGER,              -- session_samples: how many samples the digest covers
            last_rowid INTEGER,                -- session_samples: the highest sample rowid it covers
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL                 -- HMAC-SHA256 with the desk key over prev_hash and this row
        );
        CREATE INDEX record_chain_by_row ON record_chain(covers, row_id, id);
        CREATE TABLE record_chain_start (
            covers TEXT NOT NULL PRIMARY KEY,
            last_id INTEGER NOT NULL,          -- rows up to this id were recorded before the chain
            at REAL NOT NULL
        );
        INSERT INTO record_chain_start (covers, last_id, at)
            WITH now(at) AS (SELECT (julianday('now') - 2440587.5) * 86400.0)
            SELECT 'alarm_events', coalesce(max(id), 0), (SELECT at FROM now) FROM alarm_events
            UNION ALL SELECT 'accounts', coalesce(max(id), 0), (SELECT at FROM now) FROM accounts
            UNION ALL SELECT 'account_events', coalesce(max(id), 0), (SELECT at FROM now) FROM account_events
            UNION ALL SELECT 'patients', coalesce(max(id), 0), (SELECT at FROM now) FROM patients
            UNION ALL SELECT 'courses', coalesce(max(id), 0), (SELECT at FROM now) FROM courses
            UNION ALL SELECT 'sessions', coalesce(max(id), 0), (SELECT at FROM now) FROM sessions
            UNION ALL SELECT 'session_changes', coalesce(max(id), 0), (SELECT at FROM now) FROM session_changes
            UNION ALL SELECT 'settings_changes', coalesce(max(id), 0), (SELECT at FROM now) FROM settings_changes
            UNION ALL SELECT 'session_samples', coalesce(max(id), 0), (SELECT at FROM now) FROM sessions;
    """
    + append_only_sql("record_chain")
    + append_only_sql("record_chain_start")
    + append_only_sql("session_changes")
)

# Local migration 16 (issue 20 point 2): the HL7 outbox (storage.hl7_outbox). hl7_outbox: every message for the EHR
# as it was made, before it is sent (its key makes enqueueing idempotent across restarts; its control id, MSH-10, is
# the one every resend carries); never changed. hl7_pending: the work list of messages not yet accepted by the EHR
# (a row leaves it when the ACK says AA); parked: refused with AE and set aside for a person. hl7_deliveries: what
# happened to each message (sent, accepted, error, rejected, failed, parked, released), append-only.
_HL7_OUTBOX_V16 = (
    """
        CREATE TABLE hl7_outbox (
            id INTEGER PRIMARY KEY,            -- the sending order within a session
            key TEXT NOT NULL UNIQUE,          -- what the message covers, e.g. 's12:vitals:1700000000'
            session_id INTEGER REFERENCES sessions(id),
            control_id TEXT NOT NULL UNIQUE,   -- MSH-10, kept by every resend
            message TEXT NOT NULL,             -- the ER7 text sent
            covers_t REAL NOT NULL,            -- the latest record time the message covers (Unix s)
            queued_at REAL NOT NULL
        );
        CREATE INDEX hl7_outbox_by_session ON hl7_outbox(session_id, key);
        CREATE TABLE hl7_pending (
            outbox_id INTEGER PRIMARY KEY REFERENCES hl7_outbox(id),
            session_id INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at REAL NOT NULL DEFAULT 0,   -- not before (a refusal's retry pause)
            parked_at REAL,                        -- set aside after AE: kept, shown, not retried by itself
            reason TEXT NOT NULL DEFAULT ''        -- the last refusal or failure
        );
        CREATE INDEX hl7_pending_by_session ON hl7_pending(session_id, outbox_id);
        CREATE TABLE hl7_deliveries (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES hl7_outbox(id),
            at REAL NOT NULL,
            event TEXT NOT NULL
                CHECK (event IN ('sent', 'accepted', 'error', 'rejected', 'failed', 'parked', 'released')),
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX hl7_deliveries_by_message ON hl7_deliveries(outbox_id, id);
    """
    + append_only_sql("hl7_outbox")
    + append_only_sql("hl7_deliveries")
)

# Local migration 17 (issue 20 point 3): patients registered by the EHR (ADT^A04) and its updates (ADT^A08), as
# received, one row per accepted message (storage.hl7_registrations). A patient here is not yet in `patients` (which
# needs a weight): the nurse picks it in the patient dialog and completes the registration. Append-only: an update
# is a new attributed row, never a change; one A04 per MRN; a message resent by the EHR (same sender and MSH-10) is
# one row.
_EHR_REGISTRATIONS_V17 = (
    """
        CREATE TABLE ehr_registrations (
            id INTEGER PRIMARY KEY,
            received_at REAL NOT NULL,         -- Unix s
            event TEXT NOT NULL CHECK (event IN ('A04', 'A08')),
            mrn TEXT NOT NULL,
            name TEXT NOT NULL,
            dob TEXT NOT NULL,                 -- ISO date
            sex TEXT NOT NULL DEFAULT '',      -- HL7 table 0001
            sender TEXT NOT NULL,              -- MSH-3^MSH-4: the sending application and facility
            operator TEXT NOT NULL DEFAULT '', -- EVN-5: the EHR user who made the change, when said
            control_id TEXT NOT NULL,          -- MSH-10
            message TEXT NOT NULL              -- the message as received
        );
        CREATE UNIQUE INDEX ehr_registrations_by_message ON ehr_registrations(sender, control_id);
        CREATE UNIQUE INDEX ehr_registrations_one_a04 ON ehr_registrations(mrn) WHERE event = 'A04';
        CREATE INDEX ehr_registrations_by_mrn ON ehr_registrations(mrn, id);
    """
    + append_only_sql("ehr_registrations")
)

# Local migration 18 (issue 21 point 2): every numeric the monitor sends is kept. The ones no canonical parameter maps
# (monitor.params; IntelliVue's thousands of physio ids) are stored as the monitor sent them: its own id, label and
# unit, the number (NULL when it sent none) and its measurement state (monitor.devices.events.MeasurementState).
# Shown in the workspace's "other values" list; shipped to the clinic database like the samples (hub migration 9).
_OTHER_VALUES_V18 = (
    """
        CREATE TABLE other_values (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            code INTEGER NOT NULL,             -- the monitor's own id (IntelliVue: the physio id)
            label TEXT NOT NULL,
            unit TEXT NOT NULL,
            t REAL NOT NULL,                   -- device time, Unix s UTC
            host_t REAL NOT NULL,              -- receive time on this computer
            value REAL,                        -- NULL: the monitor sent no number
            state INTEGER NOT NULL DEFAULT 0   -- the monitor's measurement state bits (0: a valid measurement)
        );
        CREATE INDEX other_values_by_code_time ON other_values(session_id, code, t);
    """
    + append_only_sql("other_values")
)

# Local migration 19 (issue 22 point 4): the waveforms, ~10 s per row (storage.wave_blocks): value = offset + scale *
# int16 code, code -32768 a gap; the codes delta-coded and zlib-compressed. Append-only like the samples. Kept on the
# desk only (storage.hub_schema.LOCAL_ONLY_TABLES says why).
_WAVE_BLOCKS_V19 = (
    """
        CREATE TABLE wave_blocks (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            wave TEXT NOT NULL,                -- monitor.devices.events.Wave ('ECG_II', 'PLETH', 'CO2')
            t0 REAL NOT NULL,                  -- device time of the first sample, Unix s UTC
            rate_hz REAL NOT NULL,
            n INTEGER NOT NULL,                -- samples in the block
            scale REAL NOT NULL,               -- value = offset + scale * code
            offset REAL NOT NULL,
            codec TEXT NOT NULL,               -- 'int16-delta-zlib'
            payload BLOB NOT NULL,
            host_t REAL NOT NULL               -- receive time of its first sample on this computer
        );
        CREATE INDEX wave_blocks_by_time ON wave_blocks(session_id, t0);
    """
    + append_only_sql("wave_blocks")
)

# Local migration 20 (issue 22): the stored waves join the record chain (storage.record_chain.COVERED), a block per
# row (~0.3 rows a second per chair: few enough to chain one by one); the blocks stored before it are counted as
# unchained, not failed.
_WAVE_BLOCKS_CHAINED_V20 = """
    INSERT INTO record_chain_start (covers, last_id, at)
        SELECT 'wave_blocks', coalesce(max(id), 0), (julianday('now') - 2440587.5) * 86400.0 FROM wave_blocks;
"""

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started_at REAL NOT NULL,          -- Unix s UTC
            ended_at REAL,
            source TEXT NOT NULL,              -- port path or pyserial URL
            protocol TEXT NOT NULL,
            capture_path TEXT,                 -- raw bytes of the session, for replay
            note TEXT
        );
        CREATE TABLE samples (
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            param TEXT NOT NULL,               -- canonical name, monitor.params
            t REAL NOT NULL,                   -- device time, Unix s UTC
            host_t REAL NOT NULL,              -- receive time on this computer
            value REAL NOT NULL,
            flags INTEGER NOT NULL DEFAULT 0   -- monitor.devices.events.SampleFlag
        );
        CREATE INDEX samples_by_param_time ON samples(session_id, param, t);
        CREATE TABLE link_events (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            t REAL NOT NULL,                   -- host time
            state TEXT NOT NULL,               -- connecting, receiving, silent, disconnected, stopped
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX link_events_by_session ON link_events(session_id, t);
        CREATE TABLE device_status (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            t REAL NOT NULL,
            host_t REAL NOT NULL,
            conditions TEXT NOT NULL,          -- JSON list of DeviceCondition values
            unavailable TEXT NOT NULL          -- JSON object: param -> ValueState value
        );
        """,
    ),
    (
        2,
        """
        -- Nurse entries: append-only. A correction is a new row (action amend/strike) pointing at the original.
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            kind TEXT NOT NULL,                -- monitor.clinical.entries.EntryKind
            t REAL NOT NULL,                   -- when it happened, Unix s UTC (may be back-dated by the nurse)
            recorded_at REAL NOT NULL,         -- when it was typed
            initials TEXT NOT NULL,
            payload TEXT NOT NULL,             -- JSON, validated by monitor.clinical.entries.validate_payload
            action TEXT NOT NULL DEFAULT 'create' CHECK (action IN ('create', 'amend', 'strike')),
            target_id INTEGER REFERENCES entries(id),
            reason TEXT NOT NULL DEFAULT '',
            CHECK ((action = 'create') = (target_id IS NULL))
        );
        CREATE INDEX entries_by_session ON entries(session_id, id);
        CREATE TRIGGER entries_are_append_only_update BEFORE UPDATE ON entries
            BEGIN SELECT RAISE(ABORT, 'entries are append-only: record an amendment instead'); END;
        CREATE TRIGGER entries_are_append_only_delete BEFORE DELETE ON entries
            BEGIN SELECT RAISE(ABORT, 'entries are append-only: record a strike-through instead'); END;
        """,
    ),
    (
        3,
        """
        -- Audit trail of nurse entries, hash-chained (monitor.storage.audit); written with each entry.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            at REAL NOT NULL,                  -- when it was done (Unix s)
            who TEXT NOT NULL,                 -- the nurse's initials
            action TEXT NOT NULL,              -- create, amend, strike
            what TEXT NOT NULL,                -- canonical JSON of the entry row
            previous TEXT,                     -- canonical JSON of the content an amend/strike replaced
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL                 -- sha256(prev_hash, this row's fields)
        );
        CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        """,
    ),
    (
        4,
        """
        -- Which clock the session's charts and entries use: 'host' (this computer; samples placed at their receive
        -- time) or 'device' (the monitor's; a sped-up simulated demo, whose entries follow the simulated clock).
        ALTER TABLE sessions ADD COLUMN timebase TEXT NOT NULL DEFAULT 'host' CHECK (timebase IN ('host', 'device'));
        """,
    ),
    (
        5,
        """
        -- Alarm onsets, escalations, acknowledgements, clears, audio pauses and limit changes (append-only).
        CREATE TABLE alarm_events (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            t REAL NOT NULL,                   -- session clock, Unix s
            action TEXT NOT NULL,              -- monitor.clinical.alarms.AlarmAction
            key TEXT NOT NULL,                 -- the condition, e.g. 'HR high', 'monitor disconnected'
            message TEXT NOT NULL,
            priority TEXT,                     -- low, medium, high
            category TEXT,                     -- clinical, technical
            value REAL,                        -- the triggering value
            limit_value REAL,
            who TEXT NOT NULL DEFAULT ''       -- initials, for acknowledge, pause and limit changes
        );
        CREATE INDEX alarm_events_by_session ON alarm_events(session_id, t);
        CREATE TRIGGER alarm_events_are_append_only_update BEFORE UPDATE ON alarm_events
            BEGIN SELECT RAISE(ABORT, 'alarm events are append-only'); END;
        CREATE TRIGGER alarm_events_are_append_only_delete BEFORE DELETE ON alarm_events
            BEGIN SELECT RAISE(ABORT, 'alarm events are append-only'); END;
        """,
    ),
    (
        6,
        """
        -- Patients and their treatment courses; a session belongs to at most one course.
        CREATE TABLE patients (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            mrn TEXT NOT NULL UNIQUE,          -- medical record number
            dob TEXT NOT NULL,                 -- ISO date
            weight_kg REAL NOT NULL,
            allergies TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE TABLE courses (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            title TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX courses_by_patient ON courses(patient_id);
        ALTER TABLE sessions ADD COLUMN course_id INTEGER REFERENCES courses(id);
        """,
    ),
    (
        7,
        """
        -- The session lifecycle (monitor.storage.db.SessionState): which chair a session belongs to, so each chair
        -- resumes its own (a simulated monitor's port is a temporary path); and the discharge that closed it for
        -- real, written in the discharge entry's transaction. Sessions discharged before this version get theirs
        -- from their first discharge entry.
        ALTER TABLE sessions ADD COLUMN chair TEXT;
        ALTER TABLE sessions ADD COLUMN discharged_at REAL;
        ALTER TABLE sessions ADD COLUMN discharged_by TEXT;
        UPDATE sessions SET
            discharged_at = (SELECT t FROM entries e WHERE e.session_id = sessions.id AND e.kind = 'discharge'
                             AND e.action = 'create' ORDER BY e.id LIMIT 1),
            discharged_by = (SELECT initials FROM entries e WHERE e.session_id = sessions.id AND e.kind = 'discharge'
                             AND e.action = 'create' ORDER BY e.id LIMIT 1);
        """,
    ),
    (
        8,
        """
        -- Rows the writer could not store (not a finite number or outside the physical range, or refused by a
        -- constraint), set aside with the reason so one bad row never stops the recording (storage.writer).
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,                  -- when it was set aside (Unix s)
            session_id INTEGER,                -- as the row gave it; not a reference (it may be the fault)
            target TEXT NOT NULL,              -- the table it was meant for
            row TEXT NOT NULL,                 -- the row's values, repr()
            reason TEXT NOT NULL
        );
        CREATE INDEX quarantine_by_session ON quarantine(session_id);
        """,
    ),
    (
        9,
        """
        -- The clinic database (storage.replicator): this database's identity, made once, so the clinic database
        -- refuses a second database claiming this desk's name (rows would meet under the same key); and a log of
        -- the later changes of a session row (its end, discharge, course), shipped in order like every record row.
        CREATE TABLE local_identity (
            uid TEXT NOT NULL PRIMARY KEY
        );
        INSERT INTO local_identity (uid) VALUES (lower(hex(randomblob(16))));
        CREATE TABLE session_changes (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id)
        );
        CREATE TRIGGER sessions_changes_logged AFTER UPDATE OF ended_at, discharged_at, discharged_by, course_id
            ON sessions
            WHEN OLD.ended_at IS NOT NEW.ended_at OR OLD.discharged_at IS NOT NEW.discharged_at
                OR OLD.discharged_by IS NOT NEW.discharged_by OR OLD.course_id IS NOT NEW.course_id
            BEGIN INSERT INTO session_changes (session_id) VALUES (NEW.id); END;
        """,
    ),
    (
        10,
        """
        -- One patient list for the clinic (issue 17): a clinic-wide identity for patients and courses. A patient or
        -- course registered here gets a new uid; the local copy of another desk's registration (picked from the
        -- clinic database) keeps that registration's uid, so a course's sessions from several desks are one course
        -- on the hub. Registrations are never changed once recorded (a correction is a new row).
        ALTER TABLE patients ADD COLUMN uid TEXT;
        ALTER TABLE courses ADD COLUMN uid TEXT;
        UPDATE patients SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
        UPDATE courses SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
        CREATE UNIQUE INDEX patients_by_uid ON patients(uid);
        CREATE UNIQUE INDEX courses_by_uid ON courses(uid);
        CREATE TRIGGER patients_are_append_only_update BEFORE UPDATE ON patients
            BEGIN SELECT RAISE(ABORT, 'a registered patient is never changed: record a correction instead'); END;
        CREATE TRIGGER patients_are_append_only_delete BEFORE DELETE ON patients
            BEGIN SELECT RAISE(ABORT, 'a registered patient is never deleted'); END;
        CREATE TRIGGER courses_are_append_only_update BEFORE UPDATE ON courses
            BEGIN SELECT RAISE(ABORT, 'a course is never changed once started'); END;
        CREATE TRIGGER courses_are_append_only_delete BEFORE DELETE ON courses
            BEGIN SELECT RAISE(ABORT, 'a course is never deleted'); END;
        """,
    ),
    (
        11,
        """
        -- Staff accounts (issue 18): initials unique (attribution derives them), the secret only as a peppered
        -- Argon2id hash. The row holds the current state (active, hash, failed tries, lock); account_events is its
        -- append-only history (added, disabled, secret reset, wrong secret, locked) — never the secret or its hash.
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            initials TEXT NOT NULL COLLATE NOCASE UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('nurse', 'charge', 'admin', 'service')),
            secret_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            failed INTEGER NOT NULL DEFAULT 0,
            lockouts INTEGER NOT NULL DEFAULT 0,
            locked_until REAL,
            created_at REAL NOT NULL
        );
        CREATE TABLE account_events (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            account_id INTEGER REFERENCES accounts(id),
            initials TEXT NOT NULL,
            event TEXT NOT NULL,
            by_initials TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE TRIGGER account_events_append_only_update BEFORE UPDATE ON account_events
            BEGIN SELECT RAISE(ABORT, 'an account event is never changed'); END;
        CREATE TRIGGER account_events_append_only_delete BEFORE DELETE ON account_events
            BEGIN SELECT RAISE(ABORT, 'an account event is never deleted'); END;
        CREATE TRIGGER accounts_never_deleted BEFORE DELETE ON accounts
            BEGIN SELECT RAISE(ABORT, 'an account is never deleted: disable it'); END;
        """,
    ),
    (
        12,
        """
        -- Who opened, printed or exported which record (issue 18): append-only, hash-chained and keyed (HMAC-SHA256
        -- with the desk key, kept outside this file: storage.desk_key), checked by `verify` (storage.access_log).
        CREATE TABLE access_log (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,                  -- Unix s UTC
            who TEXT NOT NULL,                 -- the signed-in account's initials
            action TEXT NOT NULL,              -- storage.access_log.AccessAction
            target TEXT NOT NULL,              -- 'session:N', 'course:N' or 'patient:N' (local ids)
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER access_log_is_append_only_update BEFORE UPDATE ON access_log
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        CREATE TRIGGER access_log_is_append_only_delete BEFORE DELETE ON access_log
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        """,
    ),
    (
        13,
        """
        -- Who changed the desk's settings (issue 18 point 9): installing a clinic protocol (clinic.json: alarm
        -- limits, dose ceilings), saving the station's ports (station.json). An administrator only; the file's
        -- sha256 says exactly which content. Append-only.
        CREATE TABLE settings_changes (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            by_initials TEXT NOT NULL,
            what TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE TRIGGER settings_changes_append_only_update BEFORE UPDATE ON settings_changes
            BEGIN SELECT RAISE(ABORT, 'a settings change is never changed'); END;
        CREATE TRIGGER settings_changes_append_only_delete BEFORE DELETE ON settings_changes
            BEGIN SELECT RAISE(ABORT, 'a settings change is never deleted'); END;
        """,
    ),
    (14, _RECORD_CHAIN_V14),
    (
        15,
        """
        -- Clinic-wide accounts (issue 18, hub migration 7): with a clinic database the accounts table is this desk's
        -- copy of the clinic's (for signing in while the hub is away). clinic_version: the hub's accounts row this
        -- copy reflects; NULL: an account of this desk's own (a desk without a clinic database).
        ALTER TABLE accounts ADD COLUMN clinic_version INTEGER;
        """,
    ),
    (16, _HL7_OUTBOX_V16),
    (17, _EHR_REGISTRATIONS_V17),
    (18, _OTHER_VALUES_V18),
    (19, _WAVE_BLOCKS_V19),
    (20, _WAVE_BLOCKS_CHAINED_V20),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


class SchemaTooNewError(RuntimeError):
    pass


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it had before."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the database has schema version {current}, newer than this program's {SCHEMA_VERSION}: "
            "use the newer program, or open a backup"
        )
    for version, script in MIGRATIONS:
        if version <= current:
            continue
        # executescript commits first; BEGIN ... COMMIT makes each migration all-or-nothing.
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    return current
