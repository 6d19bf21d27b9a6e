"""The commands that read what was recorded: decode a capture, verify the audit trail, replay, export, list the
sessions, back up the database. Each imports what it needs when it runs, so the headless commands start fast."""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.app import export
from monitor.devices.events import WaveBlock
from monitor.storage.hub_dsn import masked
from monitor.storage.hub_read import is_hub
from monitor.wording import count


def existing_db(db: Path | None) -> Path | None:
    from monitor.storage.paths import default_db_path

    path = db or default_db_path()
    if not path.is_file():
        print(f"infusion-monitor: no database at {path}", file=sys.stderr)
        return None
    return path


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def decode(args: argparse.Namespace) -> int:
    from monitor.devices.capture import CaptureError

    try:
        return _decode_file(args)
    except CaptureError as exc:  # a damaged or crafted capture: the byte offset and the reason
        print(f"decode: {exc}", file=sys.stderr)
        return 2


def _decode_file(args: argparse.Namespace) -> int:
    from monitor.devices.capture import is_capture, iter_chunks, read_capture
    from monitor.devices.events import DeviceStatus, OtherValue, Sample, WaveBlock
    from monitor.devices.protocols import make_decoder
    from monitor.params import PARAMS

    if not args.file.is_file():
        print(f"decode: no such file: {args.file}", file=sys.stderr)
        return 2
    # a capture recorded from a udp:// port holds one message per record: the protocol's LAN variant decodes it
    source = read_capture(args.file).header.source if is_capture(args.file) else ""
    decoder = make_decoder(args.protocol, source)
    out = sys.stdout
    for host_time, chunk in iter_chunks(args.file):
        for event in decoder.feed(chunk, host_time if host_time is not None else 0.0):
            if isinstance(event, Sample):
                unit = PARAMS[event.param].unit if event.param in PARAMS else ""
                line = {"time": _iso(event.time), "param": event.param, "value": event.value, "unit": unit}
                if event.flags:
                    line["flags"] = [f.name.lower() for f in type(event.flags) if f in event.flags and f.name]
                out.write(json.dumps(line) + "\n")
            elif isinstance(event, OtherValue):  # a numeric no canonical parameter maps: kept, with its label
                other = {"time": _iso(event.t), "code": f"0x{event.code:04X}", "label": event.label,
                         "value": event.value, "unit": event.unit}  # fmt: skip
                if event.problem():
                    other["problem"] = event.problem()
                out.write(json.dumps(other, ensure_ascii=False) + "\n")
            elif isinstance(event, DeviceStatus) and args.status:
                status = {
                    "time": _iso(event.time),
                    "status": sorted(c.value for c in event.conditions),
                    "unavailable": {param: state.value for param, state in event.unavailable},
                }
                out.write(json.dumps(status) + "\n")
            elif isinstance(event, WaveBlock) and args.waves:
                out.write(json.dumps(wave_line(event)) + "\n")
    s = decoder.stats
    print(
        f"decode: {s.bytes_in} bytes, {s.frames_ok} frames ok, {s.bad_frames} bad frames, "
        f"{s.resyncs} resyncs ({s.skipped_bytes} bytes skipped), {s.invalid_values} invalid values",
        file=sys.stderr,
    )
    return 0


def wave_line(block: WaveBlock) -> dict[str, object]:
    """One waveform block as `decode --waves` prints it: the device time of its first sample, the wave, its sample
    rate and unit, and the values (4 decimals: finer than any DRI wave's resolution; null where there is a gap)."""
    values = [round(v, 4) if math.isfinite(v) else None for v in block.values.tolist()]
    return {"time": _iso(block.t0), "wave": block.wave.value, "rate_hz": block.rate_hz, "unit": block.wave.unit,
            "values": values}  # fmt: skip


def verify(db: Path | str | None, expect: str | None = None, session: int | None = None) -> int:
    if is_hub(db):
        if expect:
            print("verify --expect: checked at the desk that recorded the session (its key)", file=sys.stderr)
            return 2
        return _verify_hub(db)
    from monitor.storage.audit import verify
    from monitor.storage.db import connect

    path = existing_db(db)
    if path is None:
        return 2
    from monitor.storage.access_log import verify_access
    from monitor.storage.append_only import missing_triggers
    from monitor.storage.chain_anchor import check_heads, record_heads
    from monitor.storage.record_chain import seal_unsealed, verify_chain

    conn = connect(path)
    try:
        result, accesses, missing = verify(conn), verify_access(conn), missing_triggers(conn)
        chain, cut = verify_chain(conn), check_heads(conn)
        paper = _matches_paper(conn, expect, session) if expect else None
        intact = result.ok and accesses.ok and chain.ok and not missing and not cut
        sealed = _seal(conn, seal_unsealed, record_heads) if intact else 0  # only an intact record is sealed
    finally:
        conn.close()
    if result.ok:
        unkeyed = f"; {count(result.unkeyed, 'older row')} unkeyed (before the desk key): proven against an edit," \
            " not against a re-chaining" if result.unkeyed else ""
        print(f"{path}: audit trail intact ({count(result.rows, 'audit row')}, {count(result.entries, 'entry')})"
              + unkeyed)
    else:
        print(f"{path}: ALTERED: {result.problem}")
    if accesses.ok:
        print(f"{path}: access log intact ({count(accesses.rows, 'row')}, keyed with this desk's key)")
    else:
        print(f"{path}: ACCESS LOG ALTERED: {accesses.problem}")
    _print_chain(path, chain, sealed)
    if missing:
        print(f"{path}: APPEND-ONLY TRIGGERS REMOVED (rows can be edited behind the program): {', '.join(missing)}")
    for problem in cut:
        print(f"{path}: CHAIN CUT OR REWRITTEN: {problem}")
    if paper is not None:
        print(f"{path}: {paper[1]}")
    ok = intact and (paper is None or paper[0])
    return 0 if ok else 1


def _seal(conn, seal_unsealed, record_heads) -> int:
    """Seal the samples not sealed yet and anchor the new head; a database busy for longer than the wait is said,
    not fatal (the next `verify` seals them)."""
    import sqlite3

    try:
        sealed = seal_unsealed(conn)
        if sealed:
            record_heads(conn)
    except (sqlite3.OperationalError, OSError) as exc:
        print(f"infusion-monitor: the samples not sealed yet were not sealed now ({exc}); the next verify will",
              file=sys.stderr)
        return 0
    return sealed


def _print_chain(path: Path, chain, sealed: int) -> None:  # chain: record_chain.ChainVerify
    """The record chain's verdict: intact with what it proved and what it could not, or each problem named."""
    from monitor.timefmt import iso_minute_text

    if not chain.ok:
        for problem in chain.problems:
            print(f"{path}: RECORD ALTERED: {problem}")
        return
    notes = [f"the samples of {count(chain.sealed_sessions, 'session')} checked against their seals"]
    if chain.unchained:
        notes.append(f"{count(chain.unchained, 'row')} unchained before {iso_minute_text(chain.chain_start)}"
                     " (recorded before the chain began): counted, not proven")
    if sealed:
        notes.append(f"the samples of {count(sealed, 'session')} sealed now (running or older sessions; samples"
                     " recorded after this are sealed at the session's end)")
    print(f"{path}: record chain intact ({count(chain.rows, 'row')}: alarm events, accounts, patients, courses,"
          f" sessions' course links and ends; keyed with this desk's key); " + "; ".join(notes))


def _matches_paper(conn, expect: str, session: int | None) -> tuple[bool, str]:
    """Whether the printed head is a row of the (verified) chain, of that session when given."""
    from monitor.storage.audit import session_heads

    if session is not None:
        found = expect in session_heads(conn, session)
        where = f"session {session}'s"
    else:
        found = conn.execute("SELECT 1 FROM audit WHERE hash = ?", (expect,)).fetchone() is not None
        where = "the"
    if found:
        return True, f"MATCHES THE PRINTED RECORD: {where} audit chain contains the printed head {expect}"
    return False, f"DOES NOT MATCH THE PRINTED RECORD: {where} audit chain has no row with the head {expect}" \
        " (rewritten since printing, or another session's record)"


def _hub_failed(command: str, dsn: str, exc: Exception) -> int:
    """The clinic database could not be read: which one (never its password) and why."""
    print(f"{command}: cannot read the clinic database {masked(dsn)}: {exc}", file=sys.stderr)
    return 2


def _verify_hub(dsn: str) -> int:
    """Each desk's audit chain on the server: intact, or the first altered row, by desk."""
    import psycopg

    from monitor.app.hub_records import verify_hub

    try:
        desks = verify_hub(dsn)
    except psycopg.Error as exc:
        return _hub_failed("verify", dsn, exc)
    print(f"clinic database {masked(dsn)}: the audit trail of each desk")
    for d in desks:
        r = d.result
        pending = f"; {count(d.in_flight, 'entry')} awaiting their audit rows (replication under way)"
        pending = pending if d.in_flight else ""
        keyed = f"; {count(r.unchecked, 'keyed row')}: their own hashes need the desk's key (`verify` at the desk)"
        pending += keyed if r.unchecked else ""
        if r.ok:
            print(f"desk {d.desk}: audit trail intact ({count(r.rows, 'audit row')}, {count(r.entries, 'entry')})"
                  + pending)
        else:
            print(f"desk {d.desk}: ALTERED: {r.problem}{pending}")
        _print_hub_chain(d.desk, d.chain)
    if not desks:
        print("no audit rows yet (no desk has shipped an entry)")
    return 0 if all(d.result.ok and (d.chain is None or d.chain.ok) for d in desks) else 1


def _print_hub_chain(desk: str, chain) -> None:  # chain: record_chain.ChainVerify | None
    if chain is None:
        return
    if chain.ok:
        waiting = f"; {count(chain.unchained, 'row')} without a digest here (older than the chain, or in flight)"
        print(f"desk {desk}: record chain intact ({count(chain.rows, 'row')}: its links, and every row it covers here"
              " against its digests; the rows' own hashes, accounts and samples are checked by `verify` at the desk,"
              " with its key)" + (waiting if chain.unchained else ""))
    else:
        print(f"desk {desk}: RECORD CHAIN ALTERED: {'; '.join(chain.problems)}")


def replay(args: argparse.Namespace) -> int:
    from monitor.app.replay import replay_capture
    from monitor.storage.paths import default_db_path
    from monitor.storage.writer import SessionWriter

    if not args.file.is_file():
        print(f"replay: no such file: {args.file}", file=sys.stderr)
        return 2
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent // 10 != shown[0] // 10:
            shown[0] = percent
            print(f"replay: {percent} %", file=sys.stderr, flush=True)

    with SessionWriter(args.db or default_db_path()) as writer:
        try:
            sid = replay_capture(args.file, writer, speed=args.speed, progress=progress)
        except ValueError as exc:
            print(f"replay: {exc}", file=sys.stderr)
            return 2
    print(f"replayed {args.file} into session {sid}")
    return 0


def export_session(args: argparse.Namespace) -> int:
    record = _hub_record(args) if is_hub(args.db) else _local_record(args)
    if record is None:
        return 2
    try:
        written = _write_export(record, args.format, args.out, args.force)
    except ValueError as exc:  # TargetRefused: a symlink, or a file that exists without --force
        print(f"infusion-monitor: export refused: {exc}", file=sys.stderr)
        return 1
    if not is_hub(args.db):  # the hub's sessions: the access log there waits for the clinic-side key (left)
        from monitor.app.access import export_action, log_session_access, os_user

        signed_in = getattr(args, "signed_in", None)  # the account `signed` signed in; the OS user otherwise
        who = signed_in.initials if signed_in is not None else os_user()
        log_session_access(existing_db(args.db), who, export_action(args.format), int(args.session))
    from monitor.app.access import export_warning

    print(f"infusion-monitor: warning: {export_warning(record, args.format, args.out)}", file=sys.stderr)
    for p in written:
        print(p)
    return 0


def _local_record(args: argparse.Namespace):  # -> SessionRecord | None, after saying why not
    from monitor.app.session_record import load_record

    if not args.session.isdigit():
        print(f"infusion-monitor: --session takes a session id (a number) here, not {args.session!r}", file=sys.stderr)
        return None
    path = existing_db(args.db)
    if path is None:
        return None
    try:
        return load_record(path, int(args.session))
    except KeyError as exc:
        print(f"infusion-monitor: {exc.args[0]}", file=sys.stderr)
        return None


def _hub_record(args: argparse.Namespace):  # -> SessionRecord | None, after saying why not
    import psycopg

    from monitor.app.hub_records import load_hub_record, parse_address

    try:
        return load_hub_record(args.db, parse_address(args.session))
    except (KeyError, ValueError) as exc:
        print(f"infusion-monitor: {exc.args[0]}", file=sys.stderr)
    except psycopg.Error as exc:
        _hub_failed("export", args.db, exc)
    return None


def _write_export(record, fmt: str, out: Path, force: bool) -> list[Path]:  # record: SessionRecord
    exporter = export.get(fmt)
    if exporter.drawn_by is not None:  # drawn with Qt (the PDF): offscreen, no window is needed
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication

        _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
        importlib.import_module(exporter.drawn_by)  # provides the writer
        exporter = export.get(fmt)
    done: list[int] = []
    written = exporter.write(record, out, lambda _done, total: done.append(total), force=force)
    if exporter.counts and done:
        print(f"{done[-1]} {exporter.counts}", file=sys.stderr)
    return written


def sessions(db: Path | str | None, as_json: bool) -> int:
    from monitor.app.lifecycle import session_listing
    from monitor.timefmt import iso_minute_text

    hub = is_hub(db)
    if hub:
        import psycopg

        from monitor.app.hub_records import hub_listing

        where = masked(db)
        try:
            rows = hub_listing(db)
        except psycopg.Error as exc:
            return _hub_failed("sessions", db, exc)
    else:
        path = existing_db(db)
        if path is None:
            return 2
        where, rows = str(path), session_listing(path)
    if as_json:
        print(json.dumps([r.as_json() for r in rows], indent=1))
        return 0
    table = [("DESK",) * hub + ("ID", "CHAIR OR PORT", "PATIENT", "START", "END OR DISCHARGE", "STATE")]
    for r in rows:
        start = iso_minute_text(r.started_at)
        table.append((r.desk,) * hub + (str(r.id), r.where, r.patient, start, r.end, r.state.value))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print(f"(no sessions in {where})")
    return 0


def backup(db: Path | None, dest: Path, force: bool = False) -> int:
    from monitor.storage.backup import backup

    path = existing_db(db)
    if path is None:
        return 2
    try:
        pages = backup(path, dest, force)
    except (OSError, ValueError) as exc:
        print(f"infusion-monitor: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {path} to {dest} ({count(pages, 'page')})")
    return 0
