"""The supervisor's split view (key 3): its screen, its panes and its dialogs."""
