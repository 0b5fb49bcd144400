<!DOCTYPE html>
<html <?php language_attributes(); ?>>
<head>
	<meta charset="<?php bloginfo( 'charset' ); ?>">
	<link rel="icon" href="<?php echo esc_url( get_template_directory_uri() ); ?>/images/favicon.png">
	<?php wp_head(); ?>
</head>
<body <?php body_class(); ?>>
<header class="site-header" style="background-image: url('<?php echo ville_header_background(); ?>')">
	<a href="<?php echo esc_url( home_url( '/' ) ); ?>"><img src="<?php echo get_template_directory_uri(); ?>/images/logo.png" alt="<?php bloginfo( 'name' ); ?>"></a>
	<?php echo ville_pictogram( 'bike' ); ?>
</header>
