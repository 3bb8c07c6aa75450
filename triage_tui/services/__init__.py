"""One function per action: check the actor's role and the case's state, change the case, write the event,
all in one transaction. The CLI and the desk both call these and nothing lower."""
