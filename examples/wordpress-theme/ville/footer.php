<footer>
	<img src="<?php echo esc_url( get_theme_file_uri( 'assets/logo-copy.png' ) ); ?>" alt="">
	<img class="seal" src="<?php echo get_theme_file_uri( 'images/seal.png' ); ?>" alt="<?php esc_attr_e( 'Seal of the city', 'ville' ); ?>">
	<img src="<?php echo get_stylesheet_directory_uri(); ?>/images/bike.png" alt="">
</footer>
<?php wp_footer(); ?>
</body>
</html>
