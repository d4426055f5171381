from jingfang.cli import main

main()
