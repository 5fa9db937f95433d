"""The parts of the workshop page: the header (dataset, company, session, participants,
progress), the questions (one tab per discipline and the co-producers tab) and the results
(findings, target, comparison, export), each owning its widgets."""
