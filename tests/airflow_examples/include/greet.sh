#!/bin/sh
echo "SCRIPT {{ ds }} {{ params.colour }} $WHO"
