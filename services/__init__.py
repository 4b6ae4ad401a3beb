"""Everything that is not drawing: schema, validation, stores, domain rules, exports."""
