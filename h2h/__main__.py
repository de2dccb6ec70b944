from h2h.cli.main import main

main()
