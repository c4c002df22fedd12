from emml.cli import main

raise SystemExit(main())
