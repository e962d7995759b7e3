"""The civil register (Melderegister): who lives where (DESIGN §2, §5).

Registration compares what a person typed with the register before a PIN letter goes out, and the
letter goes to the *register's* address, never the typed one. The domain talks to the register
only through the `CivilRegister` port (`port.py`), so the embedded mock over a generated data set
(`mock.py`, `generator.py`) and the HTTP adapter to a register service (`http_adapter.py`) are
interchangeable. Matching rules (what counts as "the same name", "the same street") live in
`normalise.py` and are shared by every implementation that matches in-process.

No web framework is imported here (DESIGN §6, layer 5); the standalone JSON API over a register
is `servicekonto.sim.register_app`.
"""
