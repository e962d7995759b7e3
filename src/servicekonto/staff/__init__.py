"""Staff of an administration: roles per administration (DESIGN §6 layer 5)."""
