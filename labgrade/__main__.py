from labgrade.command import main

raise SystemExit(main())
