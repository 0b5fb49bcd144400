// Eleventy 3: pages in src/, images copied as they are from src/assets, and an image shortcode that
// writes the <img> of a file named from the project folder (as eleventy-img's would).
module.exports = function (eleventyConfig) {
  eleventyConfig.addPassthroughCopy("src/assets");
  eleventyConfig.addShortcode("image", (src, alt) => `<img src="/${src.replace(/^src\//, "")}" alt="${alt}">`);
  return {
    dir: { input: "src", output: "_site" },
    markdownTemplateEngine: "njk",
    htmlTemplateEngine: "liquid",
  };
};
