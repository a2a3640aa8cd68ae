from signet.cli import main

main()
