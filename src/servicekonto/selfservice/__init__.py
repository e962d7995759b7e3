"""What a person does with an existing account: password recovery and account deletion
(`recovery`), changing password and e-mail address (`credentials`), and the retention clean-up
that deletes abandoned sign-ups (`retention`)."""
