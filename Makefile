# The two commands of the README. The work is in scripts/ so it can be read on its own.
.PHONY: demo test

demo:
	@scripts/bootstrap
	@.venv/bin/gensidig demo

test:
	@scripts/test
