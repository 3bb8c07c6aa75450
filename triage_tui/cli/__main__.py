from triage_tui.cli import main

main()
