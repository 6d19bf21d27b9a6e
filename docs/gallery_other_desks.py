"""Real windows of issue 17 point 4: desk A's station (4 simulated chairs) with desk B's and desk C's chairs from a
throwaway PostgreSQL, recorded with the program's services and shipped live by the replicator; screenshots of the
overview and of a remote chair's read-only workspace (ImageMagick `import` of the whole X screen).

    DISPLAY=:7 .venv/bin/python docs/gallery_other_desks.py docs/gallery/NAME   # NAME-overview.png, ...
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
tmp = Path(tempfile.mkdtemp(prefix="remote-shot-"))
os.environ["MONITOR_DATA_DIR"] = str(tmp)
os.environ["INFUSION_MONITOR_KEY_FILE"] = str(tmp / "desk.key")  # the script's own desk key, not the user's
import pg  # noqa: E402
from accounts import PIN, make_account  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from remote_desk import START, RecordingDesk, desk_dsn  # noqa: E402

from monitor.app.gui_options import GuiOptions  # noqa: E402
from monitor.app.replication import ClinicDb  # noqa: E402
from monitor.clinical.clinic_protocol import DEFAULT_PROTOCOL  # noqa: E402
from monitor.clinical.entries import EntryKind  # noqa: E402
from monitor.devices.link import LinkState  # noqa: E402
from monitor.ui import app as gui_app  # noqa: E402
from monitor.ui.station_window import StationWindow  # noqa: E402

out = sys.argv[1]
with pg.Cluster() as cluster:
    now = time.time()
    b = RecordingDesk(tmp, "desk-b", desk_dsn(cluster.dsn, "desk_b"), now - 1800, chair="Chair 3")
    c = RecordingDesk(tmp, "desk-c", desk_dsn(cluster.dsn, "desk_c"), now - 900, chair="Chair 1")
    a_dsn = desk_dsn(cluster.dsn, "desk_a")
    b.assign("Grace Hopper")
    c.assign("Alan Turing")
    for d in (b, c):
        d.link(LinkState.RECEIVING)
    b.clock.t = now - 1700
    b.service.record(EntryKind.INFUSION, START).result(5)
    b.vitals(NIBP_SYS=128, NIBP_DIA=79, NIBP_MEAN=95)
    # half an hour of history at desk B, a quarter at desk C
    for t in range(int(now - 1795), int(now - 20), 5):
        b.clock.t = t
        b.vitals(HR=78 + (t // 60) % 5, SPO2=96, RR=14, ETCO2=37)
    for t in range(int(now - 895), int(now - 20), 5):
        c.clock.t = t
        c.vitals(HR=66 + (t // 90) % 4, SPO2=98, RR=12, ETCO2=35)
    b.ship()
    c.ship()
    stop = threading.Event()

    def feed():
        k = 0
        while not stop.is_set():
            t = time.time()
            b.clock.t = c.clock.t = t
            b.vitals(HR=82, SPO2=84 if k > 3 else 93, RR=11, ETCO2=39)  # desk B's chair desaturates: a high alarm
            c.vitals(HR=68, SPO2=98, RR=12, ETCO2=35)
            b.ship()
            c.ship()
            k += 1
            stop.wait(1.0)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    clinic = replace(DEFAULT_PROTOCOL, show_other_desks=True, other_desks_alarms="high")
    options = GuiOptions(
        clinic=clinic,
        station=4,
        db=tmp / "desk-a.sqlite3",
        resume="no",
        clinic_db=ClinicDb(a_dsn, "desk-a"),
    )
    make_account(options.db, "AB")  # the desk's nurse (a desk starts once it has an account)

    def sign_in():  # the nurse signs in at the desk the program opened
        QApplication.instance().idle_watch.desk.sign_in("AB", PIN)

    def shoot(name):
        subprocess.run(["import", "-window", "root", f"{out}-{name}.png"], check=True)

    def overview():
        shoot("overview")
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, StationWindow))
        key = next(iter(window.remote.cards))
        window.remote.open(key)
        QTimer.singleShot(2500, workspace)

    def workspace():
        shoot("remote-workspace")
        QApplication.instance().exit(0)

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    QTimer.singleShot(0, sign_in)
    QTimer.singleShot(28000, overview)
    try:
        gui_app.run_gui(options)
    finally:
        stop.set()
        feeder.join(5)
        b.close()
        c.close()
