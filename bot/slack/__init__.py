"""The Slack side: the Bolt app, its HTTP server, the listeners and the pure Block Kit builders."""
