#!/bin/sh
# make demo: the main job on the bundled example.  Grows with each stage of
# the pipeline; today it shows the stages that are built.
set -eu
PW=./pinwheel
echo "pinwheel demo: $($PW --version)"
$PW --help
