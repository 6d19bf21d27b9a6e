"""`python -m monitor` is the same as the `infusion-monitor` console script."""

from monitor.cli import main

raise SystemExit(main())
