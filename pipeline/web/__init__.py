"""The review UI in the browser: ``create_app`` builds it, ``ctrends web`` serves it."""
