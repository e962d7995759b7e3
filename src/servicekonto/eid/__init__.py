"""The Online-Ausweis (eID): the eID-Server port of BSI TR-03130, its mock and adapters."""
