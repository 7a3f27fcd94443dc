/*
 * main.c -- cnngen's entry point.  Everything happens in cli_main(), which
 * returns the exit status, so tests can run the CLI in-process too.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
