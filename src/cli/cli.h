#ifndef CELL_CLI_CLI_H
#define CELL_CLI_CLI_H
int cli_main(int argc, char **argv);
#endif
