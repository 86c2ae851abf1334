from labgrade.cli import main

raise SystemExit(main())
