"""The committee's reports: position at a date, contacts received in a period, SLA compliance, the trend."""
