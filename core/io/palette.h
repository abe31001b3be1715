#pragma once
// The plots' colours: Tableau 10, as OpenCV BGR triples.

#include <array>
#include <cstddef>

namespace ddil {

inline constexpr std::array<std::array<int, 3>, 10> kPalette { { { 180, 119, 31 }, { 14, 127, 255 },
    { 44, 160, 44 }, { 40, 39, 214 }, { 189, 103, 148 }, { 75, 86, 140 }, { 194, 119, 227 },
    { 127, 127, 127 }, { 34, 189, 188 }, { 207, 190, 23 } } };

inline const std::array<int, 3>& paletteColour(std::size_t i)
{
    return kPalette[i % kPalette.size()];
}

} // namespace ddil
