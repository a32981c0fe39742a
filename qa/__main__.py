from qa.cli.main import main

main(prog_name="qa")
