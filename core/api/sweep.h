#pragma once
// Parameter sweeps: `ddil sweep CONFIG --set key=v1,v2 [--set ...]` expands the Cartesian
// product of the values into named configs (e.g. the beta ablation that removes each DDIL source
// in turn), validated with the config's own checks, for running one after another or as a
// cluster job array.

#include "core/api/config.h"

#include <string>
#include <vector>

namespace ddil {

// One --set: a dotted key of the canonical config and its values as JSON texts.
struct SweepAxis {
    std::string key; // "distill.ddil.beta"
    std::vector<std::string> values; // "[0,0.5,0.5]", "1", "\"lcm\""
};

// Parses "key=v1,v2,...": values are split at commas outside brackets, so array values read
// "beta=[0,0.5,0.5],[0.5,0,0.5]"; a value that is not JSON is taken as a string (method=pd,lcm).
// Throws ConfigError on a missing '=', an empty key or an empty value.
SweepAxis parseSweepAxis(const std::string& spec);

struct SweepPoint {
    std::string name; // the base config's name with "-<leaf>=<value>" per axis
    RunConfig config; // its name field is `name`
    std::string json; // canonical JSON of `config`
};

// The Cartesian product of `axes` over the config at `configPath` (its "extends" resolved), in
// row-major order of the axes. Throws IoError when the file is unreadable and ConfigError naming
// the key (unknown, or not a leaf of the config) or the point whose values fail validation.
std::vector<SweepPoint> expandSweep(
    const std::string& configPath, const std::vector<SweepAxis>& axes);

// Writes each point's config to dir/<file name>.json and dir/configs.txt (their absolute paths,
// one per line: what a job array indexes); creates `dir`. Returns the config paths. Throws
// IoError when the folder cannot be written.
std::vector<std::string> writeSweepConfigs(
    const std::vector<SweepPoint>& points, const std::string& dir);

// Writes dir/sweep.sbatch: a Slurm job array with one task per line of dir/configs.txt, each
// running `ddil run` (the binary at `ddilPath`, or $DDIL) into dir/<config file stem>/, resuming
// a run with a checkpoint and skipping a finished one. Returns its path; IoError on failure.
std::string writeSlurmArrayScript(
    const std::string& dir, std::size_t count, const std::string& ddilPath);

// A file name made of `name`: characters other than [A-Za-z0-9._=+-] become '_'.
std::string sweepFileName(const std::string& name);

} // namespace ddil
